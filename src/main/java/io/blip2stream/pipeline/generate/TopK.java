package io.blip2stream.pipeline.generate;

/**
 * The k largest entries of a float array without sorting it: one pass with a bounded min-heap,
 * O(n log k).
 *
 * <p>Ties: among equal values the lower index ranks first, so the result is deterministic.
 * {@code torch.topk} on CPU uses {@code std::partial_sort} / {@code std::nth_element}, which leave
 * the order of equal values unspecified; on distinct values both agree exactly. NaN is never
 * selected ahead of a number (logits are finite or -inf).
 */
final class TopK {
    private final int[] heapIdx;   // [capacity]
    private final float[] heapVal; // [capacity]
    private int size;

    TopK(int capacity) {
        heapIdx = new int[capacity];
        heapVal = new float[capacity];
    }

    /**
     * Selects the {@code k} largest of {@code values[off, off+len)}, best first.
     *
     * @param outIdx receives indices relative to {@code off}: int[k]
     * @param outVal receives the values: float[k]
     * @return how many were selected: min(k, len)
     */
    int select(float[] values, int off, int len, int k, int[] outIdx, float[] outVal) {
        fill(values, off, len, k);
        int n = size;
        for (int pos = n - 1; pos >= 0; pos--) { // pop worst first, fill from the back
            outIdx[pos] = heapIdx[0];
            outVal[pos] = heapVal[0];
            size--;
            if (size > 0) {
                heapIdx[0] = heapIdx[size];
                heapVal[0] = heapVal[size];
                siftDown(0);
            }
        }
        return n;
    }

    /** The k-th largest value of {@code values[off, off+len)} (k clamped to len). */
    float kthLargest(float[] values, int off, int len, int k) {
        fill(values, off, len, k);
        return heapVal[0];
    }

    /** Leaves the min(k, len) best entries in the heap, the worst of them at the root. */
    private void fill(float[] values, int off, int len, int k) {
        int cap = Math.min(k, len);
        if (cap > heapIdx.length) {
            throw new IllegalArgumentException("k " + k + " exceeds the capacity " + heapIdx.length);
        }
        size = 0;
        for (int i = 0; i < len; i++) {
            float v = values[off + i];
            if (size < cap) {
                push(i, v);
            } else if (v > heapVal[0]) { // equal values never displace an earlier index
                heapIdx[0] = i;
                heapVal[0] = v;
                siftDown(0);
            }
        }
    }

    /** a ranks below b: a smaller value, or an equal value at a higher index. */
    private boolean worse(int a, int b) {
        float va = heapVal[a];
        float vb = heapVal[b];
        return va < vb || (va == vb && heapIdx[a] > heapIdx[b]);
    }

    private void push(int idx, float val) {
        int i = size++;
        heapIdx[i] = idx;
        heapVal[i] = val;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!worse(i, parent)) {
                break;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int r = l + 1;
            int w = (r < size && worse(r, l)) ? r : l;
            if (!worse(w, i)) {
                return;
            }
            swap(i, w);
            i = w;
        }
    }

    private void swap(int a, int b) {
        int ti = heapIdx[a];
        heapIdx[a] = heapIdx[b];
        heapIdx[b] = ti;
        float tv = heapVal[a];
        heapVal[a] = heapVal[b];
        heapVal[b] = tv;
    }
}
