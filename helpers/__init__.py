"""What sits beneath the tutorial's steps in common.py: a file per concern, importing only lower layers' files."""
