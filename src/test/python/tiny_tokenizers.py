"""Small real tokenizers for the tiny test bundles, trained locally with the ``tokenizers`` library.

* OPT style: byte-level BPE; ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2 (bos, prepended), ``<unk>`` 3;
  the newline token ``"Ċ"`` is the language model's eos.
* T5 style: Unigram with Metaspace; ``<pad>`` 0, ``</s>`` 1 (appended), ``<unk>`` 2.
Both get ``<image>`` as an added special token (the last id) and are wrapped in
``PreTrainedTokenizerFast`` so HF's ``Blip2Processor`` can use them.
"""

from __future__ import annotations

import itertools

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

IMAGE_TOKEN = "<image>"

_PARAGRAPHS = """\
A photo of a small red boat on a quiet lake, with green trees behind it and a blue sky above.
Two dogs are running across the park while a man in a yellow jacket throws a ball.
The kitchen has a white table, four wooden chairs and a bowl of fresh fruit near the window.
A cat is sleeping on the sofa next to a stack of old books and a cup of tea.
The city street is busy at night: cars, buses and people walk under bright lights and signs.
An old stone bridge crosses the river; the water is calm and reflects the clouds.
Question: what is in the picture? Answer: a boat on the water.
Question: what color is the car? Answer: the car is red.
Question: how many people are there? Answer: three people are standing near the door.
Question: where is the dog? Answer: the dog is on the grass.
Children play football on a sunny afternoon, and their parents watch from the benches.
A plate with pasta, tomatoes and cheese sits on a dark wooden table in a small restaurant.
The mountain is covered with snow, and a narrow road climbs between the rocks.
A woman reads a newspaper on the train, holding a coffee in her other hand.
There is a bicycle leaning against a brick wall, beside a green door and a window.
The beach is empty in the morning; waves roll slowly onto the sand under a grey sky.
The museum opens at nine; visitors look at paintings of ships, horses, flowers and famous kings.
Yesterday we visited a farm with cows, sheep, chickens, goats and a tractor parked beside the barn.
Her umbrella is purple, his backpack is orange, and the taxi waiting outside is bright yellow.
Computers, phones and keyboards cover the desk in the office, together with papers and pencils.
A giraffe and an elephant eat leaves in the zoo while tourists take pictures with their cameras.
The airplane flies over the harbour, where fishermen repair nets and seagulls circle the market.
Snowboarders jump down the slope; skiers wait in line for the lift at the top of the hill.
A birthday cake with candles, balloons and presents is ready for the party in the garden.
The library is silent: students write notes, search shelves and borrow dictionaries.
Under the bridge a musician plays guitar and sings songs about summer, love and travelling.
The baker sells bread, croissants, cookies and chocolate pastries every morning.
Firefighters climb a ladder to rescue a kitten stuck high up in an enormous oak tree.
A street sign says stop; a traffic light turns green; pedestrians cross the wide avenue.
Hikers carry maps, water bottles and sandwiches along the trail through the forest.
The television shows a football match; the crowd cheers when the striker scores a goal.
Pizza, salad, soup, rice, noodles, burgers and sushi are on the menu of this cafe.
Question: what is the man doing? Answer: he is riding a bicycle down the hill.
Question: is it raining? Answer: no, the weather is sunny and warm.
Question: what animal is this? Answer: it is a zebra standing in tall grass.
Question: what is written on the sign? Answer: the sign says open.
Question: which room is this? Answer: this is a bathroom with a mirror and a sink.
Question: what time of day is it? Answer: it looks like early evening.
Question: what are they eating? Answer: they are eating ice cream.
Question: what sport is being played? Answer: tennis on a clay court.
An elderly couple walks their puppy through autumn leaves, smiling at neighbours.
Vehicles: trucks, motorcycles, scooters, trains, helicopters, submarines and rockets.
Colours: crimson, turquoise, violet, silver, golden, beige, maroon, navy and olive.
Numbers: one, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve.
"""

_SUBJECTS = ["a man", "a woman", "a child", "a dog", "a cat", "a bird", "a horse", "two people", "a group of friends"]
_VERBS = ["is sitting on", "is standing near", "is walking past", "is looking at", "is holding", "is painting"]
_OBJECTS = ["a bench", "the table", "a tree", "the car", "a red wall", "the blue boat", "a picture", "the window"]
_PLACES = ["in the park", "at the beach", "in a kitchen", "on the street", "in the snow", "near the river"]

_NOUNS = """apple airport anchor ant arrow artist baby bag ball balloon banana bank barn basket bat bath
beach bear bed bee bell bench bicycle bird blanket boat bone book boot bottle bowl box boy bread brick bridge
brush bucket building bus butterfly cabin cake camel camera candle cap car carpet carrot castle cat chair
cheese cherry chicken church clock cloud coat coffee coin computer cookie cow crab crown cup curtain deer desk
dog doll dolphin door dragon dress drum duck eagle egg elephant engine eye feather fence field finger fish flag
flower forest fork fox frog garden gate ghost girl glass glove goat guitar hammer hat helmet hill horse house
island jacket jar kettle key king kite knife ladder lamp leaf lemon lion lizard lock map mask mirror monkey moon
mountain mouse mushroom necklace nest net ocean orange owl painting pan panda paper parrot pear pen pencil
penguin piano pig pillow pipe plane plant plate pocket pond potato pumpkin queen rabbit radio rain ribbon ring
river road robot rock roof rope rose sail sandwich saw scarf school shark sheep shell ship shirt shoe sink skirt
sock sofa spider spoon squirrel star station statue stove strawberry street sun swan sweater table teapot tent
tiger tomato tower toy tractor train tree truck turtle umbrella vase violin wagon wall watch whale wheel window
wolf zebra""".split()
_ADJECTIVES = """ancient angry bright broken busy calm cheerful clean cold colorful curious dark dirty dusty
empty enormous fancy fast fluffy frozen fuzzy gentle giant glowing golden gray green happy heavy hollow huge
icy jolly large lazy little lonely loud lucky messy modern muddy narrow noisy old orange pale plastic polite
proud purple quick quiet rainy round rusty sandy shiny short silly sleepy slow small smooth soft sparkling
spotted square steep sticky striped sunny sweet tall tiny wet white wide wild windy wooden young""".split()
_ACTIONS = """carries watches follows holds pushes pulls paints draws finds hides opens closes lifts drops
chases feeds visits cleans fixes builds throws catches kicks shares wears sells buys reads writes""".split()


def _generated_sentences(count: int) -> list[str]:
    """Deterministic sentences over a few hundred common words (a linear congruential sequence)."""
    state, out = 12345, []

    def pick(seq):
        nonlocal state
        state = (state * 1103515245 + 12345) % (2 ** 31)
        return seq[(state >> 8) % len(seq)]

    for _ in range(count):
        out.append(f"The {pick(_ADJECTIVES)} {pick(_NOUNS)} {pick(_ACTIONS)} a {pick(_ADJECTIVES)} {pick(_NOUNS)} "
                   f"near the {pick(_NOUNS)}.")
    return out


def training_text() -> list[str]:
    """A small, fixed English corpus (paragraphs plus templated scene descriptions)."""
    lines = _PARAGRAPHS.splitlines()
    for s, v, o, p in itertools.islice(itertools.product(_SUBJECTS, _VERBS, _OBJECTS, _PLACES), 0, None, 3):
        lines.append(f"{s.capitalize()} {v} {o} {p}.")
    return lines + _generated_sentences(3000)


def opt_tokenizer(vocab_size: int = 1200) -> Tokenizer:
    """An OPT-style byte-level BPE tokenizer, '<image>' added last."""
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(training_text(), trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="</s> $A", pair="</s> $A </s> $B", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    tok.add_special_tokens([_image_token()])
    return tok


def t5_tokenizer(vocab_size: int = 1000) -> Tokenizer:
    """A T5-style Unigram tokenizer with Metaspace, '</s>' appended, '<image>' added last.

    The ``tokenizers`` Unigram trainer is not reproducible (its EM sums in hash-map order), so
    the pieces come from a byte-level BPE trained on the same text (deterministic), written in
    SentencePiece form ("Ġ" -> "▁"), and each piece's score is the log frequency with which that
    BPE segments the corpus into it.
    """
    import math
    from collections import Counter

    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  special_tokens=["<pad>", "</s>", "<unk>"])
    bpe.train_from_iterator(training_text(), trainer=trainer)
    counts: Counter[str] = Counter()
    for line in training_text():
        counts.update(bpe.encode(line).tokens)
    specials = {"<pad>", "</s>", "<unk>"}
    pieces = sorted(p for p in bpe.get_vocab() if p not in specials)
    total = sum(counts[p] + 1 for p in pieces)
    scored = sorted(((p, round(math.log((counts[p] + 1) / total), 6)) for p in pieces), key=lambda ps: (-ps[1], ps[0]))
    tok = Tokenizer(models.Unigram([("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + scored, unk_id=2,
                                   byte_fallback=False))
    tok.add_special_tokens(["<pad>", "</s>", "<unk>"])
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    tok.add_special_tokens([_image_token()])
    return tok


def _image_token():
    from tokenizers import AddedToken
    return AddedToken(IMAGE_TOKEN, normalized=False, special=True, single_word=False, lstrip=False, rstrip=False)


def hf_tokenizer(tok: Tokenizer, family: str):
    """Wraps a trained tokenizer in HF's fast tokenizer class with the family's special tokens."""
    from transformers import PreTrainedTokenizerFast

    if family == "opt":
        return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="</s>", eos_token="</s>",
                                       unk_token="<unk>", pad_token="<pad>", padding_side="left",
                                       model_max_length=512)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="</s>", unk_token="<unk>", pad_token="<pad>",
                                   padding_side="right", model_max_length=512)
