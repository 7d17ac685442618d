package handlers

import (
	"context"
	"net/http"
	"strings"

	"tessera/domain"
)

// resolveLocation accepts the id or name of one of the tenant's locations:
// the same ones its machines may use (allow-list, and never a location
// dedicated to someone else), so disks, networks and addresses follow the
// tenancy rules machines do. Any other is EINVALID at field location.
func (a *App) resolveLocation(ctx context.Context, tenantID, s string) (string, error) {
	locs, err := a.tenantLocations(ctx, tenantID)
	if err != nil {
		return "", err
	}
	for _, l := range locs {
		if l.ID == s || strings.EqualFold(l.Name, strings.TrimSpace(s)) {
			return l.ID, nil
		}
	}
	return "", domain.Invalid(map[string]string{"location": "Choose one of your locations (GET /api/v1/locations lists them)."})
}

func tenantOf(r *http.Request) string { return PrincipalFrom(r.Context()).TenantID() }

// storageMachinePlace finds where the tenant's machine runs, refusing a
// machine that is neither running nor stopped (ECONFLICT); an unknown
// machine (or another tenant's) is a field error.
func (a *App) storageMachinePlace(r *http.Request, tid, machineID string) (domain.MachinePlace, error) {
	if a.Machines == nil {
		return domain.MachinePlace{}, domain.Errorf(domain.EUNAVAILABLE, "Machines are not available on this server.")
	}
	m, err := a.Machines.FindMachineByID(r.Context(), tid, machineID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return domain.MachinePlace{}, domain.Invalid(map[string]string{"machine": "No such machine."})
	}
	if err != nil {
		return domain.MachinePlace{}, err
	}
	if err := domain.CheckMachineForStorage(m); err != nil {
		return domain.MachinePlace{}, err
	}
	return domain.MachinePlace{LocationID: m.LocationID, SiteID: m.SiteID}, nil
}
