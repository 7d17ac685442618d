package web

import (
	"context"

	"tessera/adapters/postgres"
	"tessera/manage/operations"
)

// StartMachineWorker starts the worker of machine operations (the
// machine_operations queue, which is also the machines' history) with the
// app's site connector; it stops when the server closes (or through the
// returned function). Storage operations have their own worker, started
// with the server.
func (s *Server) StartMachineWorker(ctx context.Context) func() {
	ops := s.operationMetrics("tessera_machine_operations_total", "Machine operations finished by the worker, by kind and result.", "kind", "result")
	w := &operations.Worker{Queue: s.machineQueue, Sites: s.App.Sites, Log: s.Log,
		Finished: func(j *operations.Job, result string) { ops.WithLabelValues(string(j.Machine.Op.Kind), result).Inc() }}
	if s.App.Storage != nil {
		w.Networks = s.App.Storage.Networks
	}
	stop := w.Start(ctx)
	s.OnClose(stop)
	return stop
}

// newMachineQueue is the machine operations' queue over db.
func newMachineQueue(db *postgres.DB) operations.Queue { return postgres.NewOperationQueue(db) }
