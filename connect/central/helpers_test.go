package central_test

import (
	"time"

	"tessera/connect/central"
)

func syncEvery(d time.Duration) central.Config { return central.Config{SyncInterval: d} }
