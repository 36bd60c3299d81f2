from devtools.devserver.cli import main

raise SystemExit(main())
