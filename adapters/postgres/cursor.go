package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"tessera/domain"
)

// cursor is the position after the last row of a page: the sort key and the
// id that breaks ties. It is opaque to clients.
type cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

func encodeCursor(key, id string) string {
	b, _ := json.Marshal(cursor{Key: key, ID: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return nil, domain.Invalid(map[string]string{"cursor": "The cursor is not valid; start again from the first page."})
	}
	return &c, nil
}

// newestFirst finishes a "newest first" list query over a table with
// created_at and id: it adds the position after cur, the order and the
// limit to q, runs it and returns the page and the next page's cursor.
func newestFirst[T any](ctx context.Context, db *DB, q string, args []any, cur *cursor, limit int,
	scan func(pgx.CollectableRow) (T, error), key func(T) (time.Time, string)) ([]T, string, error) {
	if cur != nil {
		args = append(args, cur.Key, cur.ID)
		q += ` AND (created_at, id) < ($` + itoa(len(args)-1) + `::timestamptz, $` + itoa(len(args)) + `::uuid)`
	}
	args = append(args, limit+1)
	q += ` ORDER BY created_at DESC, id DESC LIMIT $` + itoa(len(args))
	rows, err := db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, "", domain.Internal(err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, "", domain.Internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		at, id := key(out[limit-1])
		next = encodeCursor(at.Format(time.RFC3339Nano), id)
	}
	return out, next, nil
}
