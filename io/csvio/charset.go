package csvio

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/storage"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// charset is how the bytes of a file become UTF-8 text. UTF-8 files are
// read as they are. Single-byte charsets whose first 128 bytes are ASCII
// (ISO-8859-*, windows-125*, KOI8-*, DOS code pages) keep the delimiter,
// quote and line ends where the parser looks for them, so their files
// are parsed and split as UTF-8 ones are and each string field is
// converted by a table. Every other charset (UTF-16, UTF-32, the CJK
// multi-byte ones, EBCDIC) is decoded from the start of the file to its
// end before parsing — a UTF-16 file cut at an arbitrary byte, or a
// Shift_JIS one whose second bytes may be a backslash, cannot be parsed
// from the middle — so such a file is one split, as a compressed one is.
type charset struct {
	name  string     // the canonical (Java) name; "" for UTF-8
	table *[256]rune // the single-byte charset's characters, by byte
	// decoder returns the decoder of a whole file given its first bytes
	// (which tell UTF-16's and UTF-32's byte order); nil when the file is
	// not decoded as a whole.
	decoder func(head []byte) encoding.Encoding
	enc     encoding.Encoding // what the writer encodes with; nil to write UTF-8 bytes as they are
	// encodable tells the runes the writer can write; nil when all are.
	encodable func(r rune) bool
}

// charsets are the supported character sets, by their Java (and Spark)
// canonical names, with the aliases Java accepts for them. Names are
// matched without case, '-', '_' or spaces.
var charsets = []struct {
	name    string
	aliases []string
	enc     encoding.Encoding
}{
	{"UTF-8", []string{"utf8", "unicode11utf8"}, nil},
	{"US-ASCII", []string{"ascii", "usascii", "iso646us", "ascii7", "646", "cp367", "ibm367"}, nil},
	{"ISO-8859-1", []string{"latin1", "l1", "iso88591", "88591", "cp819", "ibm819", "csisolatin1", "iso885911987", "819"}, charmap.ISO8859_1},
	{"ISO-8859-2", []string{"latin2", "l2", "iso88592", "88592", "cp912", "ibm912", "csisolatin2"}, charmap.ISO8859_2},
	{"ISO-8859-3", []string{"latin3", "l3", "iso88593", "88593", "cp913", "ibm913", "csisolatin3"}, charmap.ISO8859_3},
	{"ISO-8859-4", []string{"latin4", "l4", "iso88594", "88594", "cp914", "ibm914", "csisolatin4"}, charmap.ISO8859_4},
	{"ISO-8859-5", []string{"cyrillic", "iso88595", "88595", "cp915", "ibm915", "csisolatincyrillic"}, charmap.ISO8859_5},
	{"ISO-8859-6", []string{"arabic", "iso88596", "88596", "cp1089", "ibm1089", "csisolatinarabic", "asmo708", "ecma114"}, charmap.ISO8859_6},
	{"ISO-8859-7", []string{"greek", "greek8", "iso88597", "88597", "cp813", "ibm813", "csisolatingreek", "elot928", "ecma118"}, charmap.ISO8859_7},
	{"ISO-8859-8", []string{"hebrew", "iso88598", "88598", "cp916", "ibm916", "csisolatinhebrew"}, charmap.ISO8859_8},
	{"ISO-8859-9", []string{"latin5", "l5", "iso88599", "88599", "cp920", "ibm920", "csisolatin5"}, charmap.ISO8859_9},
	{"ISO-8859-10", []string{"latin6", "l6", "iso885910", "csisolatin6"}, charmap.ISO8859_10},
	{"ISO-8859-13", []string{"latin7", "l7", "iso885913", "885913"}, charmap.ISO8859_13},
	{"ISO-8859-14", []string{"latin8", "l8", "iso885914"}, charmap.ISO8859_14},
	{"ISO-8859-15", []string{"latin9", "latin0", "l9", "iso885915", "885915", "cp923", "ibm923", "csisolatin9", "csisolatin0"}, charmap.ISO8859_15},
	{"ISO-8859-16", []string{"latin10", "l10", "iso885916"}, charmap.ISO8859_16},
	{"windows-874", []string{"windows874", "cp874", "ms874", "xwindows874", "tis620"}, charmap.Windows874},
	{"windows-1250", []string{"windows1250", "cp1250", "cp5346"}, charmap.Windows1250},
	{"windows-1251", []string{"windows1251", "cp1251", "cp5347", "ansi1251"}, charmap.Windows1251},
	{"windows-1252", []string{"windows1252", "cp1252", "cp5348"}, charmap.Windows1252},
	{"windows-1253", []string{"windows1253", "cp1253", "cp5349"}, charmap.Windows1253},
	{"windows-1254", []string{"windows1254", "cp1254", "cp5350"}, charmap.Windows1254},
	{"windows-1255", []string{"windows1255", "cp1255"}, charmap.Windows1255},
	{"windows-1256", []string{"windows1256", "cp1256"}, charmap.Windows1256},
	{"windows-1257", []string{"windows1257", "cp1257", "cp5353"}, charmap.Windows1257},
	{"windows-1258", []string{"windows1258", "cp1258"}, charmap.Windows1258},
	{"KOI8-R", []string{"koi8r", "koi8", "cskoi8r", "cp878"}, charmap.KOI8R},
	{"KOI8-U", []string{"koi8u"}, charmap.KOI8U},
	{"IBM437", []string{"ibm437", "cp437", "437", "cspc8codepage437", "windows437"}, charmap.CodePage437},
	{"IBM850", []string{"ibm850", "cp850", "850", "cspc850multilingual"}, charmap.CodePage850},
	{"IBM852", []string{"ibm852", "cp852", "852", "cspcp852"}, charmap.CodePage852},
	{"IBM855", []string{"ibm855", "cp855", "855", "csibm855"}, charmap.CodePage855},
	{"IBM00858", []string{"ibm00858", "ibm858", "cp858", "cp00858", "858", "pcmultilingual850euro"}, charmap.CodePage858},
	{"IBM860", []string{"ibm860", "cp860", "860", "csibm860"}, charmap.CodePage860},
	{"IBM862", []string{"ibm862", "cp862", "862", "cspc862latinhebrew"}, charmap.CodePage862},
	{"IBM863", []string{"ibm863", "cp863", "863", "csibm863"}, charmap.CodePage863},
	{"IBM865", []string{"ibm865", "cp865", "865", "csibm865"}, charmap.CodePage865},
	{"IBM866", []string{"ibm866", "cp866", "866", "csibm866"}, charmap.CodePage866},
	{"x-MacRoman", []string{"xmacroman", "macroman", "macintosh", "csmacintosh"}, charmap.Macintosh},
	{"IBM037", []string{"ibm037", "cp037", "037", "ebcdiccpus", "ebcdiccpca", "ebcdiccpnl", "ebcdiccpwt", "csibm037", "cpibm37", "ibm37"}, charmap.CodePage037},
	{"IBM1047", []string{"ibm1047", "cp1047", "1047"}, charmap.CodePage1047},
	{"IBM01140", []string{"ibm01140", "ibm1140", "cp1140", "cp01140", "ccsid01140", "ebcdicus037+euro"}, charmap.CodePage1140},
	{"UTF-16", []string{"utf16", "unicode", "unicodebig", "iso10646ucs2"}, unicode.UTF16(unicode.BigEndian, unicode.UseBOM)},
	{"UTF-16BE", []string{"utf16be", "xutf16be", "unicodebigunmarked", "iso10646ucs2be"}, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)},
	{"UTF-16LE", []string{"utf16le", "xutf16le", "unicodelittleunmarked"}, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)},
	{"UTF-32", []string{"utf32"}, utf32.UTF32(utf32.BigEndian, utf32.UseBOM)},
	{"UTF-32BE", []string{"utf32be", "xutf32be"}, utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)},
	{"UTF-32LE", []string{"utf32le", "xutf32le"}, utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)},
	{"Shift_JIS", []string{"shiftjis", "sjis", "mskanji", "csshiftjis", "xsjis", "windows31j", "ms932", "cp932", "cswindows31j"}, japanese.ShiftJIS},
	{"EUC-JP", []string{"eucjp", "xeucjp", "csEUCPkdfmtjapanese", "eucjis", "ujis"}, japanese.EUCJP},
	{"ISO-2022-JP", []string{"iso2022jp", "jis", "csiso2022jp", "jisencoding", "csjisencoding"}, japanese.ISO2022JP},
	{"EUC-KR", []string{"euckr", "ksc5601", "ksc56011987", "5601", "cseuckr", "ksc", "ms949", "cp949", "windows949", "xwindows949"}, korean.EUCKR},
	{"GBK", []string{"gbk", "cp936", "ms936", "windows936", "gb2312", "eucn", "xeuccn", "euccn", "csgb2312"}, simplifiedchinese.GBK},
	{"GB18030", []string{"gb18030", "gb180302000"}, simplifiedchinese.GB18030},
	{"Big5", []string{"big5", "csbig5", "cp950", "ms950", "windows950", "xwindows950"}, traditionalchinese.Big5},
}

// normalizeCharsetName is name as charsets' aliases are written: lower
// case, without '-', '_', '.', ':' or spaces.
func normalizeCharsetName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ':', ' ':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
}

var (
	charsetsOnce sync.Once
	charsetIndex map[string]*charset // by normalized name and alias
)

// lookupCharset returns the charset of an encoding option's value ("" is
// UTF-8).
func lookupCharset(name string) (*charset, error) {
	charsetsOnce.Do(buildCharsets)
	if name == "" {
		return charsetIndex["utf8"], nil
	}
	if cs, ok := charsetIndex[normalizeCharsetName(name)]; ok {
		return cs, nil
	}
	return nil, fmt.Errorf("unsupported encoding (supported: %s; names and aliases as Java's)", strings.Join(supportedCharsets(), ", "))
}

// supportedCharsets lists the canonical names of the supported charsets.
func supportedCharsets() []string {
	out := make([]string, len(charsets))
	for i, c := range charsets {
		out[i] = c.name
	}
	return out
}

func buildCharsets() {
	charsetIndex = map[string]*charset{}
	for _, c := range charsets {
		cs := &charset{name: c.name, enc: c.enc}
		switch m := c.enc.(type) {
		case nil:
			if c.name == "US-ASCII" {
				// Its text is the UTF-8 of the same bytes: writing
				// only checks that every character is ASCII.
				cs.table = asciiTable()
				cs.encodable = func(r rune) bool { return r < utf8.RuneSelf }
			} else {
				cs.name = "" // UTF-8
			}
		case *charmap.Charmap:
			t := new([256]rune)
			compatible := true
			for b := range 256 {
				t[b] = m.DecodeByte(byte(b))
				compatible = compatible && (b >= utf8.RuneSelf || t[b] == rune(b))
			}
			if compatible {
				cs.table = t
			} else {
				cs.decoder = func([]byte) encoding.Encoding { return m }
			}
			cs.encodable = func(r rune) bool { _, ok := m.EncodeRune(r); return ok }
		default:
			cs.decoder = func([]byte) encoding.Encoding { return c.enc }
			switch c.name {
			case "UTF-16", "UTF-16BE", "UTF-16LE", "UTF-32", "UTF-32BE", "UTF-32LE", "GB18030":
				// Every character can be written.
			default:
				enc := c.enc
				cs.encodable = func(r rune) bool {
					_, err := enc.NewEncoder().String(string(r))
					return err == nil
				}
			}
		}
		switch c.name {
		case "UTF-16":
			cs.decoder = utf16Decoder
		case "UTF-32":
			cs.decoder = utf32Decoder
		}
		charsetIndex[normalizeCharsetName(c.name)] = cs
		for _, a := range c.aliases {
			charsetIndex[normalizeCharsetName(a)] = cs
		}
	}
}

// utf16Decoder picks the byte order of a file in UTF-16: from its byte
// order mark; without one, big-endian as Java does, unless the file starts
// with an ASCII character in little-endian order (a zero second byte), as
// a file written without a mark on Windows does.
func utf16Decoder(head []byte) encoding.Encoding {
	hasBOM := len(head) >= 2 && (head[0] == 0xfe && head[1] == 0xff || head[0] == 0xff && head[1] == 0xfe)
	if !hasBOM && len(head) >= 2 && head[0] != 0 && head[1] == 0 {
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	return unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
}

// utf32Decoder picks the byte order of a file in UTF-32 as utf16Decoder
// does for UTF-16.
func utf32Decoder(head []byte) encoding.Encoding {
	le := len(head) >= 4 && head[0] == 0xff && head[1] == 0xfe && head[2] == 0 && head[3] == 0
	be := len(head) >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0xfe && head[3] == 0xff
	if !le && !be && len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[2] == 0 && head[3] == 0 {
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	}
	return utf32.UTF32(utf32.BigEndian, utf32.UseBOM)
}

func asciiTable() *[256]rune {
	t := new([256]rune)
	for b := range 256 {
		t[b] = utf8.RuneError
		if b < utf8.RuneSelf {
			t[b] = rune(b)
		}
	}
	return t
}

// utf8 reports whether the charset is UTF-8.
func (cs *charset) isUTF8() bool { return cs.name == "" }

// wholeFile reports whether files are decoded as a whole (one split).
func (cs *charset) wholeFile() bool { return cs.decoder != nil }

// appendText appends v, a field of a single-byte charset, as UTF-8.
func (cs *charset) appendText(dst, v []byte) []byte {
	for _, c := range v {
		if r := cs.table[c]; r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// validText is v as valid UTF-8 for text that must be valid (a header
// name, the corrupt-record column): converted from a single-byte charset,
// or with invalid bytes replaced by U+FFFD.
func (cs *charset) validText(v []byte) []byte {
	if cs.table != nil {
		return cs.appendText(nil, v)
	}
	if utf8.Valid(v) {
		return v
	}
	return []byte(strings.ToValidUTF8(string(v), "\uFFFD"))
}

// open opens the file f for reading by offset in its UTF-8 text: the file
// itself, or, for a charset decoded as a whole, its decoded text (whose
// Size is textfile.Unbounded). ctx must outlive the file.
func (cs *charset) open(f storage.File) (storage.File, error) {
	if cs.decoder == nil {
		return f, nil
	}
	head := make([]byte, 4)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, err
	}
	return &decodedFile{raw: f, enc: cs.decoder(head[:n])}, nil
}

// keepDecoded is how many decoded bytes before its position a decodedFile
// can return again without decoding from the start.
const keepDecoded = 64 << 10

// decodedFile reads a file's text decoded to UTF-8 by offset in the
// decoded text: forward by decoding on, backward (beyond the last
// keepDecoded bytes) by decoding again from the start. Its memory is
// bounded: a read block of the file and keepDecoded bytes.
type decodedFile struct {
	raw storage.File
	enc encoding.Encoding

	mu   sync.Mutex
	dec  io.Reader // the decoded text from pos on
	pos  int64
	back []byte // the decoded bytes just before pos
}

func (d *decodedFile) Size() int64  { return textfile.Unbounded }
func (d *decodedFile) Close() error { return d.raw.Close() }

// ReadAt implements io.ReaderAt over the decoded text.
func (d *decodedFile) ReadAt(p []byte, off int64) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	if from := d.pos - int64(len(d.back)); d.dec != nil && off >= from && off < d.pos {
		n = copy(p, d.back[off-from:])
	}
	if n == len(p) {
		return n, nil
	}
	at := off + int64(n)
	if d.dec == nil || at < d.pos {
		raw := bufio.NewReaderSize(io.NewSectionReader(d.raw, 0, d.raw.Size()), 64<<10)
		d.dec, d.pos, d.back = d.enc.NewDecoder().Reader(raw), 0, d.back[:0]
	}
	if at > d.pos {
		skip := make([]byte, min(at-d.pos, 32<<10))
		for at > d.pos {
			if _, err := d.read(skip[:min(at-d.pos, int64(len(skip)))]); err != nil {
				return 0, err
			}
		}
	}
	for n < len(p) {
		k, err := d.read(p[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// read reads decoded text, keeping the last keepDecoded bytes in back.
func (d *decodedFile) read(dst []byte) (int, error) {
	k, err := d.dec.Read(dst)
	d.pos += int64(k)
	if k >= keepDecoded {
		d.back = append(d.back[:0], dst[k-keepDecoded:k]...)
	} else if k > 0 {
		if drop := len(d.back) + k - keepDecoded; drop > 0 {
			d.back = d.back[:copy(d.back, d.back[drop:])]
		}
		d.back = append(d.back, dst[:k]...)
	}
	if k > 0 && err == io.EOF {
		err = nil // the next read returns it
	}
	return k, err
}
