package io.blip2stream.imaging.webp;

/**
 * The VP8 boolean entropy decoder (RFC 6386 section 7) over one partition. Reading past the end
 * yields zeros and sets {@link #eof()}, at the point where libwebp's reader sets its own flag:
 * when a bit is decoded whose 8-bit window reaches beyond the partition.
 */
final class Vp8BoolDecoder {

    private final byte[] data;
    private final int start;
    private final int end;
    private int pos;
    private int value;
    private int range = 255;
    private int bitCount;
    private boolean eof;

    Vp8BoolDecoder(byte[] data, int start, int length) {
        this.data = data;
        this.start = start;
        this.end = start + length;
        this.pos = start;
        value = (nextByte() << 8) | nextByte();
    }

    /** One bool whose probability of being 0 is {@code prob / 256}. */
    int readBool(int prob) {
        // bits consumed so far: 8 * (bytes read - 2) + bitCount; the window is the next 8 bits
        if (8 * (pos - start - 2) + bitCount + 8 > 8 * (end - start)) {
            eof = true;
        }
        int split = 1 + (((range - 1) * prob) >> 8);
        int bigSplit = split << 8;
        int bit;
        if (value >= bigSplit) {
            bit = 1;
            range -= split;
            value -= bigSplit;
        } else {
            bit = 0;
            range = split;
        }
        while (range < 128) {
            value <<= 1;
            range <<= 1;
            if (++bitCount == 8) {
                bitCount = 0;
                value |= nextByte();
            }
        }
        return bit;
    }

    /** One bit with even odds. */
    int readBit() {
        return readBool(128);
    }

    /** An unsigned {@code bits}-bit literal, most significant bit first. */
    int readLiteral(int bits) {
        int v = 0;
        while (bits-- > 0) {
            v = (v << 1) | readBool(128);
        }
        return v;
    }

    /** A {@code bits}-bit magnitude followed by a sign bit (libwebp {@code VP8GetSignedValue}). */
    int readSigned(int bits) {
        int v = readLiteral(bits);
        return readBit() == 1 ? -v : v;
    }

    /** A flag, then if it is set a signed {@code bits}-bit value; 0 otherwise. */
    int readOptionalSigned(int bits) {
        return readBit() == 1 ? readSigned(bits) : 0;
    }

    /** A value coded with an RFC 6386 tree ({@code tree[i] <= 0} is the leaf {@code -tree[i]}). */
    int readTree(int[] tree, int[] probs) {
        int i = 0;
        while ((i = tree[i + readBool(probs[i >> 1])]) > 0) {
            // walk down to a leaf
        }
        return -i;
    }

    /** Whether a bit was decoded from beyond the end of the partition. */
    boolean eof() {
        return eof;
    }

    private int nextByte() {
        return pos < end ? data[pos++] & 0xFF : zeroPastEnd();
    }

    private int zeroPastEnd() {
        pos++;
        return 0;
    }
}
