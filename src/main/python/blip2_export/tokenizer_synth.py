"""A synthetic ``tokenizer.json`` for random-weight bundles made without a real tokenizer.

Byte-level BPE without merges: every byte is one token (GPT-2's byte alphabet), the family's
special tokens sit at their ids, ``<image>`` at ``image_token_id``, the newline byte "Ċ" at the
OPT eos id, and ``<extra_N>`` fillers bring the vocabulary to exactly the model's vocab size.
Text round-trips byte for byte; it is meant for performance work, not for meaningful output.
"""

from __future__ import annotations


def _byte_alphabet() -> list[str]:
    """GPT-2's byte -> unicode table, in byte order."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + \
        list(range(ord("\u00ae"), ord("\u00ff") + 1))
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def synthetic_vocab(family: str, vocab_size: int, image_token_id: int, eos_token_id: int | None = None) -> dict:
    """token -> id for every id in [0, vocab_size) (pure; see the module doc)."""
    if family == "opt":
        fixed = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    else:
        fixed = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    fixed["<image>"] = image_token_id
    alphabet = _byte_alphabet()
    newline = alphabet[ord("\n")]
    if family == "opt" and eos_token_id is not None and eos_token_id not in fixed.values():
        fixed[newline] = eos_token_id
    if max(fixed.values()) >= vocab_size:
        raise ValueError(f"special ids {fixed} do not fit a vocabulary of {vocab_size}")
    needed = len(set(fixed) | set(alphabet))
    if needed > vocab_size:
        raise ValueError(f"a vocabulary of {vocab_size} cannot hold the 256 byte tokens and the specials ({needed})")
    vocab = dict(fixed)
    taken = set(fixed.values())
    free = (i for i in range(vocab_size) if i not in taken)
    for ch in alphabet:
        if ch not in vocab:
            vocab[ch] = next(free)
    for n, i in enumerate(free):
        vocab[f"<extra_{n}>"] = i
    if len(vocab) != vocab_size:
        raise ValueError(f"vocabulary of {vocab_size} cannot hold the 256 byte tokens and the specials")
    return vocab


def synthetic_tokenizer(family: str, vocab_size: int, image_token_id: int, eos_token_id: int | None = None):
    """A ``tokenizers.Tokenizer`` over ``synthetic_vocab`` (bos '</s>' prepended for OPT, '</s>' appended for T5)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = synthetic_vocab(family, vocab_size, image_token_id, eos_token_id)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=family != "opt")
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>"] if family == "opt" else ["<pad>", "</s>", "<unk>"]
    tok.add_special_tokens(specials + [AddedToken("<image>", normalized=False, special=True)])
    if family == "opt":
        tok.post_processor = processors.TemplateProcessing(single="</s> $A", pair="</s> $A </s> $B",
                                                           special_tokens=[("</s>", vocab["</s>"])])
    else:
        tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                           special_tokens=[("</s>", vocab["</s>"])])
    return tok
