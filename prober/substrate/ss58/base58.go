package ss58

import "fmt"

const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var digitOf = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// encodeBase58 is Bitcoin's base58: leading zero bytes become '1', the
// rest is the big-endian number in base 58.
func encodeBase58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) < 1.37: enough digits for any input.
	digits := make([]byte, 0, len(b)*137/100+1)
	for _, c := range b[zeros:] {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := 0; i < zeros; i++ {
		out[i] = '1'
	}
	for i, d := range digits {
		out[len(out)-1-i] = alphabet[d]
	}
	return string(out)
}

func decodeBase58(s string) ([]byte, error) {
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// Little-endian base-256 accumulator.
	acc := make([]byte, 0, len(s))
	for i := zeros; i < len(s); i++ {
		d := digitOf[s[i]]
		if d < 0 {
			return nil, fmt.Errorf("character %q at position %d is not in the base58 alphabet", s[i], i+1)
		}
		carry := int(d)
		for j := range acc {
			carry += int(acc[j]) * 58
			acc[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			acc = append(acc, byte(carry))
			carry >>= 8
		}
	}
	out := make([]byte, zeros+len(acc))
	for i, c := range acc {
		out[len(out)-1-i] = c
	}
	return out, nil
}
