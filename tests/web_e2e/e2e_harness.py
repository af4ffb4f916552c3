"""The appliance the web_e2e modules share: one fabomatic with its portal per module.

It creates and seeds its database at start; the seeded admin (ADMIN_EMAIL) has no password
until the setup code of the log sets one (fabomatic_testing.https.sign_in_admin). Clients
are those of fabomatic_testing: HTTPS and raw TLS in https, boards in board.
"""
from fabomatic_testing.board import SEEDED_MACHINE_ID, Board, checkmachine
from fabomatic_testing.process import Fabomatic

ADMIN_EMAIL = "admin@fabomatic.local"


class Appliance(Fabomatic):
    """fabomatic on free ports in a new directory; `web` adds or overrides [web] settings."""

    def __init__(self, prefix="web-e2e-", web=None):
        super().__init__(prefix=prefix, settings={"web": {
            "default_admin_email": ADMIN_EMAIL, "secret_key": "web-e2e-secret", **(web or {})}})


def board_answers(appliance, machine=SEEDED_MACHINE_ID):
    """A board's checkmachine on `machine` gets its reply, parsed (the broker and backend
    work)."""
    board = Board(appliance.mqtt_port, machine)
    try:
        return board.query_json(checkmachine())
    finally:
        board.close()


def finish_module(appliance, *clients):
    """tearDownModule of a suite sharing one appliance: closes the clients (None: never made),
    stops the appliance and fails on what its log reported (sanitizer, unclean stop)."""
    for client in clients:
        if client is not None:
            client.close()
    problems = appliance.finish()
    if problems:
        raise AssertionError("\n".join(problems))
