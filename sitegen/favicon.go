package sitegen

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
)

// The PNG and ICO favicons are drawn here (the SVG one is a template) so
// that browsers without SVG favicons, and requests for /favicon.ico on a
// custom domain, get the same mark. Drawing is deterministic.

var favicons = sync.OnceValues(func() (pngData, icoData []byte) {
	const size = 32
	const ss = 4 // supersampling per axis
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	bg := [3]float64{0x1f, 0x6f, 0xeb}
	pulse := [][2]float64{{5, 17}, {10, 17}, {13, 10}, {18, 23}, {21, 17}, {27, 17}}
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var cover, white float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := float64(px) + (float64(sx)+.5)/ss
					y := float64(py) + (float64(sy)+.5)/ss
					if !inRoundedRect(x, y, size, 8) {
						continue
					}
					cover++
					if distToPolyline(x, y, pulse) <= 1.4 {
						white++
					}
				}
			}
			n := float64(ss * ss)
			if cover == 0 {
				continue
			}
			f := white / cover
			c := color.NRGBA{A: uint8(math.Round(cover / n * 255))}
			c.R = uint8(math.Round(bg[0]*(1-f) + 255*f))
			c.G = uint8(math.Round(bg[1]*(1-f) + 255*f))
			c.B = uint8(math.Round(bg[2]*(1-f) + 255*f))
			img.SetNRGBA(px, py, c)
		}
	}
	var p bytes.Buffer
	_ = png.Encode(&p, img)
	pngData = p.Bytes()
	// ICO container with one PNG entry (supported since Windows Vista and
	// by every browser).
	var ico bytes.Buffer
	_ = binary.Write(&ico, binary.LittleEndian, [3]uint16{0, 1, 1})
	ico.Write([]byte{size, size, 0, 0})
	_ = binary.Write(&ico, binary.LittleEndian, [2]uint16{1, 32})
	_ = binary.Write(&ico, binary.LittleEndian, [2]uint32{uint32(len(pngData)), 22})
	ico.Write(pngData)
	return pngData, ico.Bytes()
})

func inRoundedRect(x, y, size, r float64) bool {
	cx := math.Max(r, math.Min(size-r, x))
	cy := math.Max(r, math.Min(size-r, y))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

func distToPolyline(x, y float64, pts [][2]float64) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(pts); i++ {
		ax, ay, bx, by := pts[i][0], pts[i][1], pts[i+1][0], pts[i+1][1]
		dx, dy := bx-ax, by-ay
		t := ((x-ax)*dx + (y-ay)*dy) / (dx*dx + dy*dy)
		t = math.Max(0, math.Min(1, t))
		px, py := ax+t*dx, ay+t*dy
		best = math.Min(best, math.Hypot(x-px, y-py))
	}
	return best
}
