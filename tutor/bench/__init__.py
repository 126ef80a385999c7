"""The benchmarks, apart from the tutor they measure (nothing the tutor runs imports them):

- `speed`: the speed benchmark, `python -m tutor.bench` (`__main__`): each command timed
  against its reference, interleaved;
- `class_load`: the class server's load benchmark, `python -m tutor.bench.class_load`, with its
  two halves: `class_server` (the server, a process of its own, measured from outside) and
  `class_crowd` (the simulated learners and the dashboard's watcher).
"""
