"""A live classroom: the instructor's dashboard server, and each learner's tutor that joins it.

- `events`: what a learner's tutor may send, checked field by field (plain logic);
- `room`: what the events make of each learner, and the dashboard's view of the room (plain
  logic, in memory);
- `store`: where a class is kept (SQLite by default, PostgreSQL by URL);
- `server`: the web application (aiohttp): its routes, who may call each, and its pages under
  `static/`;
- `serve`: starting it (`tutor class serve`): the store, the address, what it prints;
- `telling`: what a learner's tutor tells, made from its progress and state;
- `link`: the learner's side: joining, queueing events in the home, the room's step offered;
- `sender`: the background process that sends a home's queued events and reads the room;
- `bench`: the load benchmark (`python -m tutor.classroom.bench`).

Nothing here is imported by `tutor --help`, and a learner's tutor imports only `link` (and the
standard library): the server's dependency (`aiohttp`) is the instructor's alone.
"""
