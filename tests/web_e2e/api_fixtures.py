"""Records made through the real API (and, for what only boards create, over MQTT), with unique
names so that the tests of one module can share one appliance in any order."""
import itertools
import time

from fabomatic_testing.board import REPLY_TIMEOUT_S, Board, alive, checkuser
from fabomatic_testing.process import wait_until

_counter = itertools.count(1)


def unique(prefix):
    """A name no other call returns in this process."""
    return f"{prefix}-{next(_counter)}"


def unique_card():
    """8 lowercase hex characters, different at each call (never the seeded admin's card)."""
    return f"{0xE2E00000 + next(_counter):08x}"


def unique_machine_id():
    """A machine id no machine has: for boards that announce a machine nobody created. Counted
    down from near the largest id: a machine created from such a board makes the next new
    machine's id its id + 1, which no later call returns (counting up, the next call's board
    would name that new machine, and its last-seen time show up on it)."""
    return 1_999_999_999 - next(_counter)


class Fixtures:
    """Creates records through `session` (a signed-in Session) and asserts each creation."""

    def __init__(self, appliance, session):
        self.appliance = appliance
        self.session = session

    def created(self, path, body):
        answer = self.session.post(path, body)
        if answer.status != 201:
            raise AssertionError(f"POST {path} {body} answered {answer}")
        return answer.json()

    def role_id(self, name):
        """The id of a seeded role ("admins", "Fab Staff", "Fab Users")."""
        for role in self.session.get("/api/v1/roles?limit=500").json()["items"]:
            if role["name"] == name:
                return role["id"]
        raise AssertionError(f"no role {name}")

    def member(self, **fields):
        body = {"name": unique("member"), "role_id": self.role_id("Fab Users")}
        body.update(fields)
        return self.created("/api/v1/members", body)

    def role(self, **fields):
        body = {"name": unique("role")}
        body.update(fields)
        return self.created("/api/v1/roles", body)

    def machine_type(self, **fields):
        body = {"name": unique("type"), "timeout_min": 60, "grace_period_min": 5}
        body.update(fields)
        return self.created("/api/v1/machine-types", body)

    def machine(self, **fields):
        body = {"name": unique("machine")}
        body.update(fields)
        return self.created("/api/v1/machines", body)

    def authorization(self, member_id, machine_id):
        return self.created("/api/v1/authorizations",
                            {"member_id": member_id, "machine_id": machine_id})

    def plan(self, machine_id, **fields):
        body = {"machine_id": machine_id, "description": unique("plan"), "hours_between": 10}
        body.update(fields)
        return self.created("/api/v1/maintenance-plans", body)

    def intervention(self, plan_id, member_id, **fields):
        body = {"plan_id": plan_id, "member_id": member_id}
        body.update(fields)
        return self.created("/api/v1/interventions", body)

    def use(self, member_id, machine_id, start, end, **fields):
        body = {"member_id": member_id, "machine_id": machine_id, "start": start, "end": end}
        body.update(fields)
        return self.created("/api/v1/uses", body)

    # -- what boards create
    def board(self, machine_id, ip="192.168.1.77"):
        """A board announces itself on `machine_id` (alive); returns the portal's board record
        (for an existing machine) or discovered board (for an id without machine)."""
        board = Board(self.appliance.mqtt_port, machine_id)
        try:
            board.send(alive(ip=ip))
            # alive has no reply: a checkmachine after it is answered once alive was handled.
            board.query('{"action":"checkmachine"}')
        finally:
            board.close()
        found = wait_until(lambda: self._board_record(machine_id), timeout=REPLY_TIMEOUT_S)
        if not found:
            raise AssertionError(f"no board record for machine {machine_id} after its alive")
        return found

    def _board_record(self, machine_id):
        boards = self.session.get(f"/api/v1/boards?machine_id={machine_id}").json()["items"]
        if boards:
            return boards[0]
        for entry in self.session.get("/api/v1/discovered-boards?limit=500").json()["items"]:
            if entry["machine_id"] == machine_id:
                return entry
        return None

    def unknown_taps(self, machine_id, card, count=1):
        """A board checks an unknown card `count` times; returns the card's taps the API lists
        (one row per machine within unknown_card_window_s, however many times it was tapped)."""
        board = Board(self.appliance.mqtt_port, machine_id)
        try:
            for _ in range(count):
                reply = board.query_json(checkuser(card.upper()))
                if reply.get("is_valid") is not False:
                    raise AssertionError(f"card {card} is not unknown: {reply}")
        finally:
            board.close()
        taps = self.session.get(f"/api/v1/unknown-cards?card={card}&limit=500").json()["items"]
        if not any(t["machine_id"] == machine_id for t in taps):
            raise AssertionError(f"no tap of {card} at machine {machine_id}: the API lists {taps}")
        return taps

    def world(self):
        """One record of every entity, linked as the board path would link them, for tests
        that go through every route. Returns {collection path: id}."""
        member = self.member(card=unique_card())
        machine = self.machine(type_id=self.machine_type()["id"])
        plan = self.plan(machine["id"])
        now = time.time()
        ids = {
            "/api/v1/members": member["id"],
            "/api/v1/roles": self.role()["id"],
            "/api/v1/machine-types": self.machine_type()["id"],
            "/api/v1/machines": machine["id"],
            "/api/v1/authorizations": self.authorization(member["id"], machine["id"])["id"],
            "/api/v1/maintenance-plans": plan["id"],
            "/api/v1/interventions": self.intervention(plan["id"], member["id"])["id"],
            "/api/v1/uses": self.use(member["id"], machine["id"], now - 600, now - 60)["id"],
            "/api/v1/unknown-cards": self.unknown_taps(machine["id"], unique_card())[0]["id"],
            "/api/v1/boards": self.board(machine["id"])["id"],
        }
        # A board account's routes take its machine's id.
        self.created("/api/v1/board-accounts", {"machine_id": machine["id"]})
        ids["/api/v1/board-accounts"] = machine["id"]
        discovered = unique_machine_id()
        self.board(discovered)
        ids["/api/v1/discovered-boards"] = discovered
        return ids


def concrete(pattern, ids):
    """`pattern` ("/api/v1/machines/{id}/cascade") with the id of its collection from `ids`."""
    if "{id}" not in pattern:
        return pattern
    collection = pattern.split("/{id}", 1)[0]
    if collection not in ids:
        raise AssertionError(f"no fixture record for {pattern}: extend Fixtures.world()")
    return pattern.replace("{id}", str(ids[collection]))
