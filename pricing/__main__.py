from pricing.cli import main

raise SystemExit(main())
