package handlers

import (
	"context"
	"net/http"

	"tessera/domain"
	"tessera/manage/machines"
)

// tenantChoices is what a tenant may pick when creating a machine.
type tenantChoices = machines.Choices

// machineService is the machines use case over the app's current ports
// (tests swap App.Locations and App.Storage after start-up, so it is built
// per request; building it costs nothing).
func (a *App) machineService() *machines.Service {
	s := &machines.Service{Machines: a.Machines, Catalogue: a.Catalogue, Locations: a.Locations, Placer: a.placerNow(),
		Pricer: a.Pricer, Costs: a.Costs, Audit: a.Audit, Log: a.Log}
	if a.Storage != nil {
		s.Networks, s.DefaultNetworks = a.Storage.Networks, a.Storage
		if a.Storage.Images != nil {
			s.Replicas = a.Storage.Images
		}
	}
	return s
}

// machineActor is the request's principal as the machines use case records it.
func (a *App) machineActor(r *http.Request) machines.Actor {
	by := machines.Actor{Address: a.ClientAddr(r)}
	if p := PrincipalFrom(r.Context()); p != nil && p.User != nil {
		by.UserID, by.Login = p.User.ID, p.User.Login
	}
	return by
}

// tenantLocations returns the geo-locations tenantID may use, by name.
func (a *App) tenantLocations(ctx context.Context, tenantID string) ([]*domain.GeoLocation, error) {
	return a.machineService().TenantLocations(ctx, tenantID)
}

// choices is what tenantID may create a machine with.
func (a *App) choices(ctx context.Context, tenantID string) (*tenantChoices, error) {
	return a.machineService().Choices(ctx, tenantID)
}

// locationNames maps location ids to names for lists.
func (a *App) locationNames(ctx context.Context) map[string]string {
	return a.machineService().LocationNames(ctx)
}
