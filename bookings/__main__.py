import sys

from bookings.cli import main

sys.exit(main())
