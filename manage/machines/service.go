// Package machines holds manage's use cases for a tenant's machines: what
// a tenant may choose when creating one, the create itself (checks, price,
// site placement, networks, the create operation), the actions on a
// machine (start, stop, reboot, resize, delete) and the placement preview
// beside the create form. The portal pages and the user API call the same
// functions, so every create and action is checked and audited the same
// way whichever door it comes through.
package machines

import (
	"context"
	"log/slog"

	"tessera/domain"
)

// Actor is who makes a change, as the audit log records it.
type Actor struct {
	UserID  string
	Login   string
	Address string
}

// DefaultNetworker returns a tenant's default network in a location, making
// it (at the site) at first use. The storage manager implements it; it is
// declared here so the machines use case depends on no more of it.
type DefaultNetworker interface {
	DefaultNetwork(ctx context.Context, tenantID, locationID string) (*domain.Network, error)
}

// ReplicaLister lists image replicas ("" for every image's), to tell where
// each image is ready.
type ReplicaLister interface {
	Replicas(ctx context.Context, imageID string) ([]*domain.ImageReplica, error)
}

// CreateChecker runs a create's checks without storing anything (a machine
// store may offer it), so what the create needs beyond its own transaction
// is made only for a create that will pass. EINVALID, ECONFLICT, EUNAVAILABLE.
type CreateChecker interface {
	CheckMachineCreate(ctx context.Context, req domain.MachineCreate) error
}

// Deleter deletes a machine and records, with its delete operation, what
// happens to its attached disks (a machine store may offer it).
// ECONFLICT, ENOTFOUND.
type Deleter interface {
	RequestDelete(ctx context.Context, tenantID, id string, disks domain.DiskChoice, userID, actor string) (*domain.Machine, *domain.MachineOperation, error)
}

// Service carries out the machine use cases through the domain's ports.
// Only Machines and Catalogue are required; every other port may be nil,
// which leaves out what it serves (no locations: no placement; no
// networks: machines get no interfaces; no pricer: no prices).
type Service struct {
	Machines  domain.MachineService
	Catalogue domain.CatalogueService
	Locations domain.LocationService
	// Placer places machines across sites; nil (or without a store) leaves
	// the site choice to the machine store.
	Placer *domain.Placer
	// Networks, Replicas and DefaultNetworks come from the storage
	// manager: the tenant's networks, where images are ready, and each
	// location's default network.
	Networks        domain.NetworkService
	Replicas        ReplicaLister
	DefaultNetworks DefaultNetworker
	Pricer          domain.Pricer
	Costs           domain.CostService
	Audit           domain.AuditService // nil: nothing is recorded
	Log             *slog.Logger        // nil: slog's default
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// placer is the placer when placement is set up, else nil.
func (s *Service) placer() *domain.Placer {
	if s.Placer == nil || s.Placer.Store == nil {
		return nil
	}
	return s.Placer
}

// record stores one audit entry for an action by by. A failure to store it
// is logged and does not fail the action: the change has happened already.
func (s *Service) record(ctx context.Context, by Actor, tenantID, action, target string, err error) {
	if s.Audit == nil {
		return
	}
	e := &domain.AuditEvent{TenantID: tenantID, UserID: by.UserID, Actor: by.Login, Action: action, Target: target, Address: by.Address, Result: "ok"}
	if err != nil {
		e.Result = domain.ErrorCode(err)
		e.Detail = domain.ErrorMessage(err)
	}
	if rerr := s.Audit.RecordAudit(ctx, e); rerr != nil {
		s.log().ErrorContext(ctx, "audit record failed", "err", rerr, "action", action)
	}
}
