from iprx.cli import main

raise SystemExit(main())
