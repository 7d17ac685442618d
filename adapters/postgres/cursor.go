package postgres

import (
	"encoding/base64"
	"encoding/json"

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
