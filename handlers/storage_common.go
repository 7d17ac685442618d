package handlers

import (
	"context"
)

// tenantLocationOptions are the locations a tenant may create disks,
// networks and addresses in (see resolveLocation), as select options, and
// every location's name by id for showing what exists.
func (a *App) tenantLocationOptions(ctx context.Context, tenantID string) ([][2]string, map[string]string, error) {
	_, names, err := a.storageLocationNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	locs, err := a.tenantLocations(ctx, tenantID)
	if err != nil {
		return nil, nil, err
	}
	opts := make([][2]string, 0, len(locs))
	for _, l := range locs {
		opts = append(opts, [2]string{l.ID, l.Name})
	}
	return opts, names, nil
}

func (a *App) storageLocationNames(ctx context.Context) ([][2]string, map[string]string, error) {
	locs, err := a.Locations.FindLocations(ctx)
	if err != nil {
		return nil, nil, err
	}
	opts := make([][2]string, 0, len(locs))
	names := map[string]string{}
	for _, l := range locs {
		opts = append(opts, [2]string{l.ID, l.Name})
		names[l.ID] = l.Name
	}
	return opts, names, nil
}
