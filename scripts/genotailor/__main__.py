from genotailor.cli import entry

entry()
