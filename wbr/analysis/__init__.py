"""Analysis of a built deck: flags, drivers, commentary lint and the probing questions."""
