package machines

import (
	"context"
	"strings"

	"tessera/domain"
)

// CreateRequest is a tenant's request for a new machine, as typed: the
// location, flavor and image by id or name ("cheapest" and "any:<country>"
// are locations too).
type CreateRequest struct {
	TenantID       string
	Name           string
	Location       string
	Flavor         string
	Image          string
	IdempotencyKey string
	// Networks are the tenant's network ids for the machine's interfaces;
	// none gives it the location's default network, made at first use.
	Networks  []string
	Residency string
	Groups    []Group
}

// Create resolves in's choices, checks them (every plain mistake at once),
// places the machine on a site, gives it its networks and stores it with
// its create operation; the attempt is recorded in the audit log. created
// is false for an idempotent retry, which returns the machine made before.
// EINVALID (fields), ECONFLICT (quota, name taken), EUNAVAILABLE (no room).
func (s *Service) Create(ctx context.Context, by Actor, in CreateRequest) (m *domain.Machine, created bool, err error) {
	c, err := s.Choices(ctx, in.TenantID)
	if err != nil {
		return nil, false, err
	}
	req := domain.MachineCreate{
		TenantID: in.TenantID, Name: strings.TrimSpace(in.Name), IdempotencyKey: in.IdempotencyKey,
		LocationID: c.Location(in.Location),
		UserID:     by.UserID, Actor: by.Login,
	}
	audit := func(err error) { s.record(ctx, by, in.TenantID, "machine.create", req.Name, err) }
	f, i := c.Flavor(in.Flavor), c.Image(in.Image)
	if f != nil {
		req.FlavorID = f.ID
	}
	if i != nil {
		req.ImageID = i.ID
	}
	// An image is offered only where it is ready.
	if err := c.CheckImageAt(i, req.LocationID); err != nil {
		// Report the other fields' plain mistakes with it, at once.
		fields := domain.ErrorFields(err)
		if msg := domain.ValidateMachineName(req.Name); msg != "" {
			fields["name"] = msg
		}
		if f == nil {
			fields["flavor"] = "Choose one of the sizes offered."
		}
		err = domain.Invalid(fields)
		audit(err)
		return nil, false, err
	}
	// The chosen networks decide the location: "cheapest" or "any:XX"
	// looks only where they are.
	netLoc, err := s.networksLocation(ctx, in.TenantID, in.Networks)
	if err != nil {
		audit(err)
		return nil, false, err
	}
	// Choose the site first: placement reads other tables and reserves in
	// its own transaction; the create's below holds the quota lock.
	cancel, err := s.place(ctx, &req, in, netLoc, c.Shape(in.Flavor, in.Image), c.placeImage(i))
	if err != nil {
		audit(err)
		return nil, false, err
	}
	if err := s.machineNetworks(ctx, &req, in.Networks); err != nil {
		cancel()
		audit(err)
		return nil, false, err
	}
	m, created, err = s.Machines.CreateMachine(ctx, req)
	if err != nil || !created {
		cancel() // refused, or an idempotent retry: the placement is not needed
	}
	if err == nil && !created {
		return m, false, nil // an idempotent retry: nothing new happened
	}
	audit(err)
	return m, created, err
}

// networksLocation returns the location of the tenant's networks among ids
// ("" when none is given or known; the create reports unknown ones), or a
// field error naming them when they are in more than one location.
func (s *Service) networksLocation(ctx context.Context, tenantID string, ids []string) (string, error) {
	if s.Networks == nil {
		return "", nil
	}
	var nets []*domain.Network
	for _, id := range ids {
		if id = strings.TrimSpace(id); !domain.IsID(id) {
			continue
		}
		n, err := s.Networks.Network(ctx, tenantID, id)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return "", err
		}
		nets = append(nets, n)
	}
	switch len(nets) {
	case 0:
		return "", nil
	case 1:
		return nets[0].LocationID, nil
	}
	return domain.NetworksLocation(nets, s.LocationNames(ctx))
}

// machineNetworks puts the chosen networks on req, or the location's
// default network when none was chosen. The default network is made (at the
// site) before the create's transaction, and only for a request that names
// a machine, a size, an image and a location and passes the create's own
// checks (name taken, allow-lists, quota, site), so a create that is
// refused makes nothing and does not wait on the site first.
func (s *Service) machineNetworks(ctx context.Context, req *domain.MachineCreate, networks []string) error {
	for _, n := range networks {
		if n = strings.TrimSpace(n); n != "" {
			req.NetworkIDs = append(req.NetworkIDs, n)
		}
	}
	if len(req.NetworkIDs) > 0 || s.DefaultNetworks == nil || req.LocationID == "" || req.FlavorID == "" || req.ImageID == "" || domain.ValidateMachineName(req.Name) != "" {
		return nil
	}
	if c, ok := s.Machines.(CreateChecker); ok {
		if err := c.CheckMachineCreate(ctx, *req); err != nil {
			return err
		}
	}
	n, err := s.DefaultNetworks.DefaultNetwork(ctx, req.TenantID, req.LocationID)
	if err != nil {
		return err
	}
	req.NetworkIDs = []string{n.ID}
	return nil
}

// CheckName checks a typed name before the form is sent: its form, and
// whether the tenant has a machine of that name already. It returns the
// message to show, "" for a good name.
func (s *Service) CheckName(ctx context.Context, tenantID, name string) (string, error) {
	name = strings.TrimSpace(name)
	if msg := domain.ValidateMachineName(name); msg != "" {
		return msg, nil
	}
	ms, _, err := s.Machines.FindMachines(ctx, domain.MachineFilter{TenantID: tenantID, Query: name, Limit: 200})
	if err != nil {
		return "", err
	}
	msg := ""
	for _, m := range ms {
		if strings.EqualFold(m.Name, name) {
			msg = "You have a machine called " + m.Name + " already; choose another name."
		}
	}
	return msg, nil
}
