package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"tessera/adapters/postgres"
	"tessera/domain"
	"tessera/manage/billing"
)

// checkZone refuses an unknown --billing-timezone before anything starts.
func checkZone(name string) error {
	if name == "" {
		return nil
	}
	if _, err := time.LoadLocation(name); err != nil {
		return usageError{fmt.Sprintf("--billing-timezone %q is not a time zone; use an IANA name such as Europe/Berlin or UTC", name)}
	}
	return nil
}

func runBilling(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "close" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			args = []string{"close", "--help"}
		} else {
			return usageError{"expected 'billing close --month YYYY-MM'"}
		}
	}
	fs := newFlagSet("billing close", stderr)
	c := addCommonFlags(fs)
	var month string
	fs.StringVar(&month, "month", "", "the month to close, e.g. 2026-11 (in the billing time zone); it must have ended")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if month == "" {
		return usageError{"--month is required, e.g. --month 2026-11"}
	}
	if err := checkZone(c.cfg.BillingTimeZone); err != nil {
		return err
	}
	db, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	zone := c.cfg.Zone()
	res, err := billing.Close(ctx, postgres.NewBillingService(db, zone), month, time.Now())
	if err != nil {
		return fmt.Errorf("%s", domain.ErrorMessage(err))
	}
	fmt.Fprintln(stdout, billing.String(res, zone))
	return nil
}
