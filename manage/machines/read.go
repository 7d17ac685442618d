package machines

import (
	"context"
	"strconv"

	"tessera/domain"
)

// Query is a list's query as typed: limit, cursor, status, search and sort.
type Query struct {
	Limit, Cursor, Status, Search, Sort string
}

// Filter checks q and makes it tenantID's machine filter. EINVALID naming
// the fields (limit, status, sort); the filter is returned filled in as far
// as it could be either way.
func Filter(tenantID string, q Query) (domain.MachineFilter, error) {
	f := domain.MachineFilter{TenantID: tenantID, Cursor: q.Cursor, Query: q.Search, Sort: domain.MachineSort(q.Sort)}
	fields := map[string]string{}
	if q.Limit != "" {
		n, err := strconv.Atoi(q.Limit)
		if err != nil || n < 1 || n > 200 {
			fields["limit"] = "Limit must be a whole number from 1 to 200."
		}
		f.Limit = n
	}
	if q.Status != "" {
		s := domain.MachineStatus(q.Status)
		if !domain.ValidMachineStatus(s) {
			fields["status"] = "Unknown status."
		}
		f.Status = &s
	}
	switch f.Sort {
	case "", domain.SortName, domain.SortCreated, domain.SortStatus:
	default:
		fields["sort"] = "Sort by name, created or status."
	}
	if len(fields) > 0 {
		return f, domain.Invalid(fields)
	}
	return f, nil
}

// Listed is one machine of a list with what the list shows of it.
type Listed struct {
	M          *domain.Machine
	Location   string
	Quote      *domain.Quote
	Interfaces []*domain.MachineInterface // only when asked for
}

// List is a page of a tenant's machines.
type List struct {
	Items []Listed
	Next  string // the next page's cursor, "" on the last
}

// List returns a page of f's machines with their locations' names and
// prices, and their network interfaces when withInterfaces.
func (s *Service) List(ctx context.Context, f domain.MachineFilter, withInterfaces bool) (*List, error) {
	ms, next, err := s.Machines.FindMachines(ctx, f)
	if err != nil {
		return nil, err
	}
	locs := s.LocationNames(ctx)
	qc := s.NewQuoteCache(f.TenantID)
	out := &List{Items: make([]Listed, 0, len(ms)), Next: next}
	for _, m := range ms {
		out.Items = append(out.Items, Listed{M: m, Location: locs[m.LocationID], Quote: qc.Machine(ctx, m)})
	}
	if withInterfaces {
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.ID
		}
		nics := s.interfacesOf(ctx, f.TenantID, ids)
		for i := range out.Items {
			out.Items[i].Interfaces = nics[out.Items[i].M.ID]
		}
	}
	return out, nil
}

// AnyBusy reports whether any machine of the tenant is changing state (a
// list then polls).
func (s *Service) AnyBusy(ctx context.Context, tenantID string) (bool, error) {
	return s.Machines.AnyTransitional(ctx, tenantID)
}

// Get returns machine id of tenantID with its location's name, price and
// network interfaces, as one list item. ENOTFOUND.
func (s *Service) Get(ctx context.Context, tenantID, id string) (*Listed, error) {
	m, err := s.Machines.FindMachineByID(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	return s.Describe(ctx, m), nil
}

// Describe is m as a list item: its location's name, price and network
// interfaces (as after a create or an action).
func (s *Service) Describe(ctx context.Context, m *domain.Machine) *Listed {
	return &Listed{M: m, Location: s.LocationNames(ctx)[m.LocationID], Quote: s.QuoteMachine(ctx, m),
		Interfaces: s.interfacesOf(ctx, m.TenantID, []string{m.ID})[m.ID]}
}

// interfacesOf is the machines' network interfaces, one query for the lot;
// nil without networks or when they cannot be read (logged: a list shows
// the machines without them rather than failing).
func (s *Service) interfacesOf(ctx context.Context, tenantID string, ids []string) map[string][]*domain.MachineInterface {
	if s.Networks == nil || len(ids) == 0 {
		return nil
	}
	nics, err := s.Networks.InterfacesOf(ctx, tenantID, ids)
	if err != nil {
		s.log().ErrorContext(ctx, "machine interfaces", "err", err)
		return nil
	}
	return nics
}

// Detail is what the machine's page shows of it beyond its storage.
type Detail struct {
	M          *domain.Machine
	Location   string
	Ops        []*domain.MachineOperation // newest first
	Quote      *domain.Quote
	Cost       *domain.Money // this month's so far; nil without billing
	Interfaces []*domain.MachineInterface
}

// Detail returns machine id of tenantID for its page. ENOTFOUND.
func (s *Service) Detail(ctx context.Context, tenantID, id string) (*Detail, error) {
	m, err := s.Machines.FindMachineByID(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	ops, err := s.Machines.FindOperations(ctx, tenantID, m.ID, 20)
	if err != nil {
		return nil, err
	}
	d := &Detail{M: m, Location: s.LocationNames(ctx)[m.LocationID], Ops: ops, Quote: s.QuoteMachine(ctx, m), Cost: s.CostSoFar(ctx, m)}
	if s.Networks != nil {
		if d.Interfaces, err = s.Networks.MachineInterfaces(ctx, tenantID, m.ID); err != nil {
			s.log().ErrorContext(ctx, "machine interfaces", "err", err)
		}
	}
	return d, nil
}

// TenantNetworks are the tenant's networks a machine may be put on, newest
// first.
func (s *Service) TenantNetworks(ctx context.Context, tenantID string) ([]*domain.Network, error) {
	if s.Networks == nil {
		return nil, nil
	}
	nets, _, err := s.Networks.Networks(ctx, domain.NetworkFilter{TenantID: tenantID, Limit: 200})
	return nets, err
}
