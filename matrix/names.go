package matrix

import (
	"regexp"
	"strings"
)

// maxKeyLen bounds a project key's length.
const maxKeyLen = 64

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ValidKey reports whether key is a valid matrix project key: a lowercase
// ASCII letter or digit, then lowercase letters, digits, '_' or '-', at most
// 64 characters in all (production_project, web-2, eu_staging).
func ValidKey(key string) bool {
	return len(key) <= maxKeyLen && keyRE.MatchString(key)
}

// sameName reports whether two names are the same for binding: compared
// case-insensitively, with '_', '-' and ' ' treated alike and surrounding
// separators ignored.
func sameName(a, b string) bool {
	return normName(a) == normName(b)
}

func normName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '_' || r == '-' {
			return ' '
		}
		return r
	}, strings.ToLower(s))
	return strings.TrimSpace(s)
}

// implicitNames returns the names an undeclared project key is matched
// against, in order: the key without a trailing "_project" (or "-project"),
// then the key itself.
func implicitNames(key string) []string {
	for _, suffix := range []string{"_project", "-project"} {
		if base, ok := strings.CutSuffix(key, suffix); ok && base != "" {
			return []string{base, key}
		}
	}
	return []string{key}
}

// glob reports whether s matches pattern, where '*' matches any run of
// characters (including none) and every other character matches itself.
func glob(pattern, s string) bool {
	p, q := []rune(pattern), []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(q) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == q[si]:
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// suggest returns the candidate closest to word when it is close enough to
// be a likely typo (at most two edits and at most half of word's length, or
// a prefix of at least four characters), else "".
func suggest(word string, candidates []string) string {
	best, bestDist := "", min(2, len([]rune(word))/2)+1
	for _, c := range candidates {
		d := EditDistance(word, c)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" {
		return best
	}
	if len(word) >= 4 {
		for _, c := range candidates {
			if strings.HasPrefix(c, word) || strings.HasPrefix(word, c) {
				return c
			}
		}
	}
	return ""
}

// EditDistance is the Levenshtein distance between a and b, in runes: how
// far a typed name is from a known one (suggestions, did-you-mean hints).
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// SameName reports whether two names are the same for binding a matrix key
// to a PostHog project or role (see Bind): case-insensitively, with '_', '-'
// and ' ' treated alike and surrounding separators ignored.
func SameName(a, b string) bool { return sameName(a, b) }
