from script2rp.cli import main

raise SystemExit(main())
