# Regenerates continuous-batching.svg (one batch over time, static against continuous) from a
# small simulation of the worker's rules: python3 src/docs/continuous-batching.py src/docs/continuous-batching.svg
# Draws one batch over time, static micro-batching against continuous batching, from the same
# arrivals: max batch 4 rows, join chunk 2. Each request generates `length` tokens; under continuous
# batching its first token comes from its prefill at the step boundary where it joins.
import sys
reqs = [  # name, arrival step, tokens
    ("A", 0, 3), ("B", 0, 9), ("C", 0, 5), ("D", 1, 3), ("E", 2, 12), ("F", 3, 3),
    ("G", 4, 6), ("H", 5, 3), ("I", 6, 8), ("J", 8, 3), ("K", 9, 4), ("L", 10, 3)]
MAX, CHUNK = 4, 2
colors = {"A": "#4e79a7", "B": "#f28e2b", "C": "#e15759", "D": "#76b7b2", "E": "#59a14f", "F": "#edc948",
          "G": "#b07aa1", "H": "#ff9da7", "I": "#9c755f", "J": "#bab0ac", "K": "#86bcb6", "L": "#d37295"}

def continuous():
    queue, slots, cells, t, done = [], [None] * MAX, [], 0, {}
    pending = sorted(reqs, key=lambda r: r[1])
    while pending or queue or any(slots):
        queue += [r for r in pending if r[1] <= t]
        pending = [r for r in pending if r[1] > t]
        room = [i for i, s in enumerate(slots) if s is None]
        for i in room[:CHUNK]:
            if queue:
                name, arr, n = queue.pop(0)
                slots[i] = [name, n, True]
        for i, s in enumerate(slots):
            if s:
                cells.append((t, i, s[0], s[2]))
                s[2] = False
                s[1] -= 1
                if s[1] == 0:
                    done[s[0]] = t + 1
                    slots[i] = None
        t += 1
    return cells, t, done

def static():
    queue, cells, t, done = [], [], 0, {}
    pending = sorted(reqs, key=lambda r: r[1])
    while pending or queue:
        queue += [r for r in pending if r[1] <= t]
        pending = [r for r in pending if r[1] > t]
        if not queue:
            t += 1
            continue
        batch, queue = queue[:MAX], queue[MAX:]
        longest = max(n for _, _, n in batch)
        for step in range(longest):
            for i, (name, arr, n) in enumerate(batch):
                if step < n:
                    cells.append((t + step, i, name, step == 0))
                if step == n - 1:
                    done[name] = t + step + 1
        t += longest
        queue += [r for r in pending if r[1] <= t]
        pending = [r for r in pending if r[1] > t]
    return cells, t, done

W, H, X0 = 22, 22, 120
def panel(y0, title, cells, end, done):
    out = [f'<text x="10" y="{y0 + 14}" font-size="14" font-weight="bold">{title}</text>']
    for i in range(MAX):
        out.append(f'<text x="10" y="{y0 + 30 + i * H + 15}" font-size="12">row {i}</text>')
        out.append(f'<rect x="{X0}" y="{y0 + 30 + i * H}" width="{end * W}" height="{H - 2}" fill="#f4f4f4"/>')
    for t, i, name, first in cells:
        x, y = X0 + t * W, y0 + 30 + i * H
        out.append(f'<rect x="{x}" y="{y}" width="{W - 2}" height="{H - 2}" fill="{colors[name]}"/>')
        if first:
            out.append(f'<text x="{x + 6}" y="{y + 15}" font-size="12" fill="white" font-weight="bold">{name}</text>')
    lat = {r[0]: done[r[0]] - r[1] for r in reqs}
    short = sorted(lat[r[0]] for r in reqs if r[2] <= 3)
    out.append(f'<text x="{X0}" y="{y0 + 30 + MAX * H + 16}" font-size="12">{end} steps for all; '
               f'3-token requests done after {short} steps</text>')
    return out

c_cells, c_end, c_done = continuous()
s_cells, s_end, s_done = static()
end = max(c_end, s_end)
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{X0 + end * W + 20}" height="330" font-family="sans-serif">',
       '<rect width="100%" height="100%" fill="white"/>']
for t in range(0, end + 1, 5):
    svg.append(f'<text x="{X0 + t * W}" y="325" font-size="11" fill="#555">{t}</text>')
svg += panel(5, "static micro-batches (max 4): a batch decodes until its longest request ends", s_cells, s_end, s_done)
svg += panel(165, "continuous (max 4 rows, join chunk 2): rows join and leave at every step", c_cells, c_end, c_done)
svg.append(f'<text x="{X0}" y="312" font-size="11" fill="#555">decoding step (a lettered cell: the request joins, its first token from its prefill)</text>')
svg.append('</svg>')
open(sys.argv[1], 'w').write("\n".join(svg))
print("static", s_end, "continuous", c_end)
