"""Builds test situations in a stopped fabomatic database with plain SQL, as another tool
(the old backend, an admin with sqlite3) would: fabomatic must cope with rows it did not
write itself. Column names are those of the reference schema (sqlite3 db.sqldb .schema).

The seed (db/seed.cpp) provides machine 1 "MACHINE1" of type 1 "Default type" (480 min,
grace 2, access management 0), the roles admins and Fab Staff (authorize all, maintenance),
Fab Users (neither) and Anonymous, and user "admin admin" with card 12345678 in role admins.
"""
import time


class Scenario:
    def __init__(self, conn):
        self.conn = conn
        self.now = time.time()

    def _insert(self, table, **columns):
        names = ", ".join(f'"{name}"' for name in columns)
        marks = ", ".join("?" for _ in columns)
        cursor = self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                                   tuple(columns.values()))
        return cursor.lastrowid

    def role_id(self, name):
        return self.conn.execute("SELECT role_id FROM roles WHERE role_name = ?",
                                 (name,)).fetchone()[0]

    def role(self, name, authorize_all=False, maintenance=False):
        return self._insert("roles", role_name=name, authorize_all=authorize_all, reserved=False,
                            maintenance=maintenance, backend_admin=False)

    def user(self, name, card, role, surname="Tester", disabled=False, deleted=False):
        """role: a role id or name. card is stored as given (None for no card)."""
        role_id = role if isinstance(role, int) else self.role_id(role)
        return self._insert("users", name=name, surname=surname, role_id=role_id,
                            card_UUID=card, disabled=disabled, deleted=deleted,
                            password_hash=None, email=None)

    def machine_type(self, name, timeout_min=60, grace_min=5, access_management=0):
        return self._insert("machine_types", type_name=name, type_timeout_min=timeout_min,
                            grace_period_min=grace_min, access_management=access_management)

    def machine(self, name, type_id=1, blocked=False, machine_id=None, hours=0.0):
        columns = dict(machine_name=name, machine_type_id=type_id, machine_hours=hours,
                       blocked=blocked, last_seen=None)
        if machine_id is not None:
            columns["machine_id"] = machine_id
        return self._insert("machines", **columns)

    def update(self, table, key, key_value, **columns):
        sets = ", ".join(f'"{name}" = ?' for name in columns)
        self.conn.execute(f'UPDATE {table} SET {sets} WHERE "{key}" = ?',
                          tuple(columns.values()) + (key_value,))

    def authorize(self, user_id, machine_id):
        return self._insert("authorizations", user_id=user_id, machine_id=machine_id)

    def plan(self, machine_id, hours_between, description="plan", lcd_message=None):
        return self._insert("maintenances", hours_between=hours_between, description=description,
                            machine_id=machine_id, lcd_message=lcd_message)

    def intervention(self, plan_id, machine_id, user_id, timestamp, replay=False):
        return self._insert("interventions", maintenance_id=plan_id, machine_id=machine_id,
                            user_id=user_id, timestamp=timestamp, replay=replay)

    def use(self, user_id, machine_id, start, end=None, last_seen=None, replay=False):
        return self._insert("uses", user_id=user_id, machine_id=machine_id,
                            start_timestamp=start, end_timestamp=end,
                            last_seen=last_seen if last_seen is not None else (end or start),
                            replay=replay)

    def admin_id(self):
        return self.conn.execute("SELECT user_id FROM users WHERE \"card_UUID\" = '12345678'"
                                 ).fetchone()[0]
