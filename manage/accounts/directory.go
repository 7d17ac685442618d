package accounts

import (
	"context"
	"time"

	"tessera/domain"
)

// DirectoryTestTimeout bounds a directory test: each step connects where
// the settings say, and a server that does not answer must not hold the
// caller for long.
const DirectoryTestTimeout = 30 * time.Second

// Directories is the tenant's single sign-on settings: the settings pages
// and the CLI save and test them through these functions.
type Directories struct {
	Accounts *Service // records the audit entries
	Store    domain.DirectoryService
	Tester   domain.DirectoryTester
}

// Save validates and stores t's directory settings d (an empty bind
// password keeps the stored one). EINVALID.
func (s *Directories) Save(ctx context.Context, by Actor, t *domain.Tenant, d *domain.Directory) error {
	d.TenantID = t.ID
	err := s.Store.SaveDirectory(ctx, d)
	s.Accounts.Record(ctx, by, t.ID, "directory.update", t.Slug, err)
	return err
}

// Test runs each step of connecting to d and, with testUser, looking that
// user up. It returns every step and, when one failed, EUNAVAILABLE naming
// the first that did.
func (s *Directories) Test(ctx context.Context, by Actor, t *domain.Tenant, d *domain.Directory, testUser string) ([]domain.DirectoryCheck, error) {
	ctx2, cancel := context.WithTimeout(ctx, DirectoryTestTimeout)
	defer cancel()
	checks := s.Tester.TestDirectory(ctx2, d, testUser)
	var err error
	for _, c := range checks {
		if !c.OK {
			err = domain.Errorf(domain.EUNAVAILABLE, "%s", c.Step)
			break
		}
	}
	s.Accounts.Record(ctx, by, t.ID, "directory.test", t.Slug, err)
	return checks, err
}

// TestStored tests t's stored settings. ENOTFOUND when t has none.
func (s *Directories) TestStored(ctx context.Context, by Actor, t *domain.Tenant, testUser string) ([]domain.DirectoryCheck, error) {
	d, err := s.Store.FindDirectory(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	return s.Test(ctx, by, t, d, testUser)
}
