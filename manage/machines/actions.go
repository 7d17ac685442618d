package machines

import (
	"context"

	"tessera/domain"
)

// Act starts action on machine id of tenantID and records it in the audit
// log (an unknown machine is not recorded: there is nothing to name).
// flavor, for a resize, is the new size by id or name. ECONFLICT when the
// machine's status does not allow the action, EINVALID for a bad size,
// ENOTFOUND.
func (s *Service) Act(ctx context.Context, by Actor, tenantID, id string, action domain.MachineAction, flavor string) (*domain.Machine, error) {
	if action == domain.ActionResize {
		if c, err := s.Choices(ctx, tenantID); err == nil {
			if f := c.Flavor(flavor); f != nil {
				flavor = f.ID
			} else {
				flavor = ""
			}
		}
	}
	m, _, err := s.Machines.RequestAction(ctx, tenantID, id, action, flavor, by.UserID, by.Login)
	target := id
	if m != nil {
		target = m.Name
	}
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		s.record(ctx, by, tenantID, "machine."+string(action), target, err)
	}
	return m, err
}

// Delete deletes machine id of tenantID; disks is "keep" (or "") or
// "delete", for its attached disks. EINVALID (disks), ECONFLICT, ENOTFOUND.
func (s *Service) Delete(ctx context.Context, by Actor, tenantID, id, disks string) (*domain.Machine, error) {
	choice, err := domain.ParseDiskChoice(disks)
	if err != nil {
		return nil, err
	}
	md, ok := s.Machines.(Deleter)
	if !ok || choice == domain.KeepDisks {
		return s.Act(ctx, by, tenantID, id, domain.ActionDelete, "")
	}
	m, _, err := md.RequestDelete(ctx, tenantID, id, choice, by.UserID, by.Login)
	target := id
	if m != nil {
		target = m.Name
	}
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		s.record(ctx, by, tenantID, "machine.delete", target+" (disks: "+string(choice)+")", err)
	}
	return m, err
}

// DeleteConfirmed deletes machine id as Delete does, once confirm is the
// machine's name: a delete cannot be undone, so the user types the name.
// EINVALID at field "confirm" otherwise.
func (s *Service) DeleteConfirmed(ctx context.Context, by Actor, tenantID, id, confirm, disks string) (*domain.Machine, error) {
	m, err := s.Machines.FindMachineByID(ctx, tenantID, id)
	if err != nil {
		return nil, err
	}
	if confirm != m.Name {
		return m, domain.Invalid(map[string]string{"confirm": "Type the machine's name, " + m.Name + ", to delete it."})
	}
	return s.Delete(ctx, by, tenantID, id, disks)
}

// Resize is what the resize page shows: the sizes offered and, for a
// chosen size other than the machine's, its price against today's.
type Resize struct {
	Flavors []*domain.Flavor
	// Refused says why the machine cannot be resized now ("" if it can).
	Refused string
	Target  *domain.Flavor
	Current *domain.Quote
	New     *domain.Quote
}

// ResizePreview prices machine m at size flavor (id or name) against its
// price now.
func (s *Service) ResizePreview(ctx context.Context, m *domain.Machine, flavor string) (*Resize, error) {
	c, err := s.Choices(ctx, m.TenantID)
	if err != nil {
		return nil, err
	}
	out := &Resize{Flavors: c.Flavors}
	if !domain.ActionAllowed(m.Status, domain.ActionResize) {
		out.Refused = domain.ErrorMessage(domain.CheckAction(m.Name, m.Status, domain.ActionResize))
	}
	if t := c.Flavor(flavor); t != nil && t.ID != m.FlavorID {
		out.Target = t
		out.Current = s.Quote(ctx, m.TenantID, m.LocationID, m.Shape())
		out.New = s.Quote(ctx, m.TenantID, m.LocationID, domain.MachineShape{VCPUs: t.VCPUs, MemoryMiB: t.MemoryMiB, DiskGiB: t.DiskGiB, ImageID: m.ImageKey})
	}
	return out, nil
}
