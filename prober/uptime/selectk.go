package uptime

import (
	"math"
	"slices"
)

// exactPercentiles returns history.Percentile(sorted(lat), q) for q = 0.5
// and 0.95 without sorting: two selections (expected linear time instead
// of a sort per period). It reorders lat.
func exactPercentiles(lat []float32) (p50, p95 float64) {
	n := len(lat)
	at := func(q float64) int {
		// The index history.Percentile takes.
		i := int(math.Ceil(q*float64(n))) - 1
		return max(0, min(i, n-1))
	}
	i50, i95 := at(0.5), at(0.95)
	selectK(lat, i50)
	// Everything after i50 is >= lat[i50]: select within it.
	if i95 > i50 {
		selectK(lat[i50+1:], i95-i50-1)
	}
	return float64(lat[i50]), float64(lat[i95])
}

// selectK reorders a so that a[k] is the value a sorted a would hold there,
// with smaller or equal values before it and greater or equal after.
func selectK(a []float32, k int) {
	lo, hi := 0, len(a)-1
	for hi-lo > 16 {
		// Median of three as the pivot, then Hoare partition.
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		p := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return // a[j+1 .. i-1] all equal the pivot
		}
	}
	// Insertion sort of the small rest.
	for i := lo + 1; i <= hi; i++ {
		for j := i; j > lo && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// sortLatencies sorts non-negative latencies as slices.Sort does, by a
// radix sort of their bits (which order like the values when the sign
// bit is clear): a series holds a few thousand raw latencies, and
// comparison sorting them took a sixth of the figures' time. Anything else
// goes to slices.Sort.
func sortLatencies(lat []float32) {
	if len(lat) < 256 {
		slices.Sort(lat)
		return
	}
	keys := make([]uint32, len(lat))
	for i, l := range lat {
		b := math.Float32bits(l)
		if b >= 0x7f800000 { // negative, infinite or NaN
			slices.Sort(lat)
			return
		}
		keys[i] = b
	}
	keys = radixSort(keys, make([]uint32, len(keys)), 0, 32)
	for i, k := range keys {
		lat[i] = math.Float32frombits(k)
	}
}

// radixSort sorts keys by their bits from lo up to hi (multiples of 8), a
// byte at a time and keeping the order of equal ones; a byte that all keys
// share (the exponent's, mostly) needs no pass. tmp is scratch as long as
// keys; the result is in one of the two.
func radixSort[K uint32 | uint64](keys, tmp []K, lo, hi int) []K {
	if len(keys) < 2 {
		return keys
	}
	for shift := lo; shift < hi; shift += 8 {
		var count [256]int
		for _, k := range keys {
			count[k>>shift&0xff]++
		}
		if count[keys[0]>>shift&0xff] == len(keys) {
			continue
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range keys {
			d := k >> shift & 0xff
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	return keys
}
