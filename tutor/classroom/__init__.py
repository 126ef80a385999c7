"""A live classroom: the instructor's dashboard server, and each learner's tutor that joins it.

The server's side (the instructor's laptop):
- `events`: what a learner's tutor may send, checked field by field (plain logic);
- `room`: what the events make of each learner, and the dashboard's view of the room (plain
  logic, in memory);
- `store`: where a class is kept (SQLite by default, PostgreSQL by URL);
- `server`: the web application (aiohttp) and its routes; `live_class`: the class in memory,
  what its two APIs share; `learners_api`: the learners' tutors' calls; `dashboard`: the
  instructor's page (under `static/`) and its calls; `answers`: what every request and
  answer passes;
- `door`: who may hold a connection, and for how long;
- `serve`: starting it (`tutor class serve`): the store, the address, what it prints (its
  load benchmark is `tutor/bench/class_load.py`).

The learner's side (every tutor in the room):
- `telling`: what a learner's tutor tells, made from its progress and state;
- `link`: joining, leaving, the room's step offered, the hand;
- `membership`: the class's files in the home; `outbox`: the events queued, and the sender
  started; `http_client`: a request to the server, its answer bounded;
- `sender`: the background process that sends a home's queued events and reads the room.

Nothing here is imported by `tutor --help`, and a learner's tutor imports only the learner's
side (and the standard library): the server's dependency (`aiohttp`) is the instructor's alone.
"""
