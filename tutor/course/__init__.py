"""The course as data: a typed loader for `lessons/*.toml` and the course order.

A lesson file declares where its sandbox starts, and for each step a goal, hints, a reference
solution and the expectations a check proves against the real state. This package only reads
and validates; `checks/` gives expectations their meaning and `sandbox/` builds the start.
Every problem in a file is reported with the file's name and the field at fault.

Its rooms: `kinds.py` declares the format's vocabulary (each expectation kind once),
`model.py`, `start.py` and `lesson.py` are the typed data, `fields.py` reads a table field by
field (and keeps paths in their place), `resources.py` finds a lesson's files and keeps them
parsed, `load*.py` read a lesson part by part, `validate.py` checks across parts,
`course.py` is the course order, `contents.py` keeps what `tutor lessons` lists of a
course (while nothing it was read from changed), and `chapters.py` says the course's path in
the learner's words. `tutor/lessons.py` re-exports the names other modules use.
"""
