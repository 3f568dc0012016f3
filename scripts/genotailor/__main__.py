from genotailor.cli import main

raise SystemExit(main())
