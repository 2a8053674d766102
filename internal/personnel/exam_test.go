package personnel

import (
	"fmt"
	"slices"
	"testing"
)

func roster(n int) []Person {
	var out []Person
	for i := range n {
		p := Person{ID: fmt.Sprintf("p%03d", i), StaffType: StaffCivilServant, Post: PostMember}
		switch {
		case i%10 == 0:
			p.Post = PostSquadHead
		case i%10 == 1:
			p.Post = PostLegalOfficer
		case i%3 == 0:
			p.StaffType, p.Post = StaffAuxiliary, PostAssistant
		}
		out = append(out, p)
	}
	return out
}

func TestDrawIsReproducibleFromItsSeed(t *testing.T) {
	people := roster(60)
	day := d("2026-06-01")
	a := Draw(people, day, 12345, 30)
	// Order of the roster does not matter, only the set, the seed and the share.
	rev := slices.Clone(people)
	slices.Reverse(rev)
	b := Draw(rev, day, 12345, 30)
	if !slices.Equal(a, b) {
		t.Fatalf("the same seed drew different samples:\n%v\n%v", a, b)
	}
	c := Draw(people, day, 54321, 30)
	if slices.Equal(a, c) {
		t.Fatalf("another seed drew the same sample")
	}
	var mandatory, sampled int
	for _, x := range a {
		if x.Reason == "mandatory" {
			mandatory++
		} else {
			sampled++
		}
	}
	// 12 squad heads and legal officers; 30% of the other 48 rounded up.
	if mandatory != 12 || sampled != 15 {
		t.Fatalf("mandatory %d sampled %d, want 12 and 15", mandatory, sampled)
	}
}
