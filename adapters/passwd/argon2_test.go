package passwd

import "testing"

func TestArgon2idRoundTrip(t *testing.T) {
	h, err := Fast.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !Fast.Verify(h, "correct horse") {
		t.Error("right password refused")
	}
	if Fast.Verify(h, "correct horsE") {
		t.Error("wrong password accepted")
	}
	// A hash made with other parameters still verifies: parameters live in the hash.
	if !Default.Verify(h, "correct horse") {
		t.Error("hash with other parameters refused")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=1,t=1,p=1$$", "$bcrypt$x$y$z$w"} {
		if Fast.Verify(bad, "x") {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
	h2, _ := Fast.Hash("correct horse")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
}
