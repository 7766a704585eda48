"""What sits beneath the tutorial's steps in common.py: a file per concern, each importing only those below."""
