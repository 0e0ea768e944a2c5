"""TAP-style result lines for the Python tests, as tests/lib/tap.c does for
the C ones: one "ok NAME" / "not ok NAME - details" line per check, which
tests/summarize.sh counts.

    import tap
    tap.check("name", condition, "what was seen")
    sys.exit(tap.exit_status())
"""

_failures = 0


def check(name, ok, detail=""):
    """Prints the result line of one check; returns ok."""
    global _failures
    if ok:
        print(f"ok {name}")
    else:
        _failures += 1
        print(f"not ok {name} - {detail}")
    return ok


def exit_status():
    """1 if any check failed, else 0."""
    return 1 if _failures else 0
