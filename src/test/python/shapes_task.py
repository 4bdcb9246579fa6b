"""The synthetic shapes task: pictures of coloured shapes, their captions and question/answer pairs.

One picture holds one to three shapes of one kind and one colour on a plain background, e.g.
``two red circles on a white background``. Everything is drawn with Pillow from a seeded
``random.Random``: the same seed gives the same pictures, byte for byte.

Questions (asked with the bundle's VQA prompt ``Question: {question} Answer:``) and answers:

* ``what colour is the shape?`` / ``what colour are the shapes?`` (and ``color``) -> ``red``
* ``how many shapes are there?`` -> ``one`` / ``two`` / ``three``
* ``what shape is it?`` / ``what shape are they?`` -> ``circle`` / ``square`` / ``triangle``
* ``what colour is the background?`` (and ``color``) -> ``white`` / ``black`` / ``gray``
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

COLOURS = {"red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 225), "yellow": (240, 210, 40)}
BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0), "gray": (128, 128, 128)}
SHAPES = ("circle", "square", "triangle")
COUNT_WORDS = {1: "one", 2: "two", 3: "three"}
CANVAS = 128  # pixels per side of a drawn picture (the model's processor resizes it)


@dataclass(frozen=True)
class Scene:
    """What one picture shows."""

    shape: str
    colour: str
    count: int
    background: str

    @property
    def caption(self) -> str:
        article = "a" if self.count == 1 else COUNT_WORDS[self.count]
        plural = "" if self.count == 1 else "s"
        return f"{article} {self.colour} {self.shape}{plural} on a {self.background} background"

    def questions(self) -> dict[str, str]:
        """The canonical question of each kind (colour, count, shape, background) and its answer."""
        one = self.count == 1
        return {
            "colour": ("what colour is the shape?" if one else "what colour are the shapes?", self.colour),
            "count": ("how many shapes are there?", COUNT_WORDS[self.count]),
            "shape": ("what shape is it?" if one else "what shape are they?", self.shape),
            "background": ("what colour is the background?", self.background),
        }

    def question_variants(self) -> dict[str, list[tuple[str, str]]]:
        """Per question kind, every phrasing the model is trained on with its answer (the canonical one first)."""
        one = self.count == 1
        verb, subject = ("is", "the shape") if one else ("are", "the shapes")
        count = COUNT_WORDS[self.count]
        return {
            "colour": [(f"what colour {verb} {subject}?", self.colour), (f"what color {verb} {subject}?", self.colour)],
            "count": [("how many shapes are there?", count), ("how many shapes are in the picture?", count)],
            "shape": [("what shape is it?" if one else "what shape are they?", self.shape)],
            "background": [("what colour is the background?", self.background),
                           ("what color is the background?", self.background)],
        }


def random_scene(rng: random.Random) -> Scene:
    return Scene(shape=rng.choice(SHAPES), colour=rng.choice(sorted(COLOURS)), count=rng.randint(1, 3),
                 background=rng.choice(sorted(BACKGROUNDS)))


def _jitter(rgb: tuple[int, int, int], rng: random.Random, amount: int) -> tuple[int, int, int]:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in rgb)


def draw(scene: Scene, rng: random.Random, size: int = CANVAS) -> Image.Image:
    """Draws ``scene`` with random sizes, places and small colour changes; shapes never overlap."""
    img = Image.new("RGB", (size, size), _jitter(BACKGROUNDS[scene.background], rng, 12))
    pen = ImageDraw.Draw(img)
    fill = _jitter(COLOURS[scene.colour], rng, 20)
    placed: list[tuple[float, float, float]] = []
    max_r = {1: 0.24, 2: 0.18, 3: 0.15}[scene.count] * size
    min_r = 0.11 * size
    while len(placed) < scene.count:
        r = rng.uniform(min_r, max_r)
        cx, cy = rng.uniform(r + 2, size - r - 2), rng.uniform(r + 2, size - r - 2)
        if all(math.hypot(cx - x, cy - y) > r + q + 3 for x, y, q in placed):
            placed.append((cx, cy, r))
    for cx, cy, r in placed:
        if scene.shape == "circle":
            pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        elif scene.shape == "square":
            a = rng.uniform(-0.3, 0.3)  # a small rotation, radians
            h = r / math.sqrt(2) * 1.25
            corners = [(-h, -h), (h, -h), (h, h), (-h, h)]
            pen.polygon([(cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a))
                         for x, y in corners], fill=fill)
        else:
            a = rng.uniform(-0.3, 0.3) - math.pi / 2  # pointing up, give or take
            pen.polygon([(cx + r * math.cos(a + k * 2 * math.pi / 3), cy + r * math.sin(a + k * 2 * math.pi / 3))
                         for k in range(3)], fill=fill)
    return img
