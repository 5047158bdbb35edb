from patchscope.main import main

raise SystemExit(main())
