from iprx.cli.main import main

raise SystemExit(main())
