package vsphere

import (
	"context"
	"reflect"
	"sync"

	"github.com/vmware/govmomi/fault"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// relogin logs in again when vCenter says the session is gone (expired,
// vCenter restarted, an admin terminated it) and retries the call once.
type relogin struct {
	soap.RoundTripper
	login func(ctx context.Context) error
	mu    sync.Mutex
}

func (r *relogin) RoundTrip(ctx context.Context, req, res soap.HasFault) error {
	err := r.RoundTripper.RoundTrip(ctx, req, res)
	if err == nil || !fault.Is(err, &types.NotAuthenticated{}) {
		return err
	}
	switch req.(type) {
	case *methods.LoginBody, *methods.LogoutBody:
		return err
	}
	r.mu.Lock()
	lerr := r.login(ctx)
	r.mu.Unlock()
	if lerr != nil {
		return err
	}
	// The failed call left its fault in res; decode the retry into a fresh
	// value of the same type and copy it over.
	fresh := reflect.New(reflect.TypeOf(res).Elem())
	if err := r.RoundTripper.RoundTrip(ctx, req, fresh.Interface().(soap.HasFault)); err != nil {
		return err
	}
	reflect.ValueOf(res).Elem().Set(fresh.Elem())
	return nil
}
