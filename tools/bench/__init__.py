"""``make bench``: the project's performance figures (``python -m bench``; sections in
the modules beside this one, the run and its report in ``bench.run``)."""
