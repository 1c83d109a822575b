"""Teacher-forced training on tiny-test: batching, segments at [SEG], losses that go down."""
import dataclasses

import pytest
import torch

from engine.model.registry import build_model
from engine.model.training import KIND_IMAGE, KIND_INJECT, collate, dice_loss
from tests.test_model_support import S, images


def sample(n_dates: int, seed: int, n_seg: int, sar=True):
    masks = torch.zeros(n_seg, S, S)
    for k in range(n_seg):
        masks[k, 8 * k:8 * k + 24, 10:40] = 1.0
    steps = "\n".join(f"Step {k + 1}: water. <t{min(k, n_dates - 1) + 1}> [SEG] [area {k + 1}.0 ha; share {10 * k}.0 %]"
                      for k in range(n_seg))
    return {"images": images(n_dates, seed=seed, sar=sar), "prompt": "What share is water?\nOptions: A) 1 B) 2",
            "trace": (steps + "\n" if steps else "") + "Answer: B", "masks": masks,
            "mask_dates": [min(k, n_dates - 1) for k in range(n_seg)]}


@pytest.fixture(scope="module")
def tiny():
    return build_model("tiny-test", seed=1)


def test_collate_segments_labels_and_padding(tiny):
    model, tok = tiny
    cfg = model.config
    batch = collate([sample(2, 0, 2), sample(1, 1, 1, sar=False), sample(1, 2, 0)], tok, cfg)
    assert len(batch.ids) == 3  # two [SEG] at most -> three segments
    assert batch.masks.shape == (3, 2, S, S) and batch.mask_valid.tolist() == [[True, True], [True, False],
                                                                                [False, False]]
    n_img = [4, 1, 2]  # (2 dates x optical+SAR), (optical only), (optical+SAR)
    for b, n in enumerate(n_img):
        assert int((batch.kind[0][b] == KIND_IMAGE).sum()) == n * cfg.tokens_per_image
    # the first segment ends with [SEG] for samples that ground, with EOS for the one that does not
    last = batch.attn[0].sum(1) - 1
    assert batch.ids[0][0, last[0]] == cfg.seg_token_id and batch.ids[0][2, last[2]] == cfg.eos_token_id
    # later segments start with the injected slots of the ground-truth mask, then the measurement (not learned)
    inj = batch.kind[1][0] == KIND_INJECT
    assert int(inj.sum()) > 0 and bool(inj[: int(inj.sum())].all())
    assert (batch.labels[1][0][inj] == -100).all()
    meas = tok(" [area 1.0 ha; share 0.0 %]", add_special_tokens=False)["input_ids"]
    k = int(inj.sum())
    assert batch.ids[1][0, k:k + len(meas)].tolist() == meas
    assert (batch.labels[1][0, k:k + len(meas)] == -100).all()
    # nothing of the prompt is learned; padding is never attended
    assert (batch.labels[0][batch.kind[0] == KIND_IMAGE] == -100).all()
    assert (batch.labels[2][~batch.attn[2]] == -100).all()


def test_collate_rejects_seg_mask_mismatch(tiny):
    model, tok = tiny
    bad = sample(1, 0, 2)
    bad["masks"] = bad["masks"][:1]
    with pytest.raises(ValueError, match="2 \\[SEG\\] but 1 masks"):
        collate([bad], tok, model.config)


def test_loss_decreases_over_a_few_steps(tiny):
    model, tok = tiny
    model.train()
    batch = collate([sample(2, 0, 2), sample(1, 1, 1, sar=False), sample(1, 2, 0)], tok, model.config)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    hist = []
    for _ in range(6):
        out = model.forward_train(batch)
        assert set(out) == {"loss", "lm_loss", "bce", "dice", "iou"}
        out["loss"].backward()
        opt.step()
        opt.zero_grad()
        hist.append({k: float(v.detach()) for k, v in out.items()})
    assert hist[-1]["loss"] < 0.9 * hist[0]["loss"]
    assert hist[-1]["lm_loss"] < hist[0]["lm_loss"] and hist[-1]["bce"] < hist[0]["bce"]
    model.eval()


def test_gradients_reach_every_trained_part(tiny):
    model, tok = tiny
    batch = collate([sample(2, 3, 2)], tok, model.config)
    model.zero_grad()
    model.forward_train(batch)["loss"].backward()
    for part in ("internvl.model.vision_tower", "internvl.model.multi_modal_projector",
                 "internvl.model.language_model", "sam_vision", "mask_decoder", "seg_projection", "relevance.query",
                 "modality_embedding"):
        grads = [p.grad for n, p in model.named_parameters() if n.startswith(part) and p.grad is not None]
        assert grads and any(g.abs().sum() > 0 for g in grads), part
    model.zero_grad()


def test_dice_loss_bounds():
    t = torch.zeros(2, 8, 8)
    t[:, :4] = 1
    good = torch.where(t > 0, 20.0, -20.0)
    assert float(dice_loss(good, t)) < 1e-3
    assert float(dice_loss(-good, t)) > 0.95
    assert float(dice_loss(torch.full((1, 8, 8), -20.0), torch.zeros(1, 8, 8))) < 1e-3


def test_mask_iou_target_on_hand_made_masks():
    from engine.model.training import mask_iou

    gt = torch.zeros(3, 4, 4)
    gt[0, :2] = 1  # 8 pixels
    gt[1, :2] = 1
    logits = torch.full((3, 4, 4), -5.0)
    logits[0, :2] = 5  # exact
    logits[1, :1] = 5  # half of the truth
    # third: both empty -> 1
    assert mask_iou(logits, gt).tolist() == [1.0, 0.5, 1.0]
    logits[2, 0, 0] = 5  # a pixel where nothing is: IoU 0
    assert mask_iou(logits, gt)[2] == 0.0


def test_iou_estimate_learns_when_weighted(tiny):
    """With an ``iou`` weight, the decoder's IoU estimate moves towards the IoU its masks really have; with
    the default weight 0 the IoU head gets no gradient."""
    from engine.model.training import LossWeights

    model, tok = tiny
    model.train()
    batch = collate([sample(2, 0, 2), sample(1, 2, 0)], tok, model.config)
    head = [p for n, p in model.mask_decoder.named_parameters() if "iou_prediction_head" in n]
    model.zero_grad()
    model.forward_train(batch)["loss"].backward()
    assert all(p.grad is None or float(p.grad.abs().sum()) == 0 for p in head)
    batch.weights = LossWeights(lm=0.0, bce=0.0, dice=0.0, iou=1.0)
    opt = torch.optim.Adam(head, lr=1e-2)
    losses = []
    for _ in range(8):
        opt.zero_grad()
        out = model.forward_train(batch)
        out["loss"].backward()
        opt.step()
        losses.append(float(out["iou"].detach()))
    assert losses[-1] < 0.5 * losses[0]


@pytest.fixture(scope="module")
def mixed_samples():
    """Generated questions covering what a batch mixes (one to three dates, optical + SAR, optical only, SAR only,
    with and without NIR, several [SEG] steps) and a trace without any."""
    from engine.data.dataset import DatasetConfig, SyntheticQuestions

    data = SyntheticQuestions(DatasetConfig(image_size=S, stage=2, absent_rate=0.3, seed_start=424_000,
                                            dates=(1, 2, 3), questions_per_scene=1), length=40)
    picked, seen = [], set()
    for i in range(len(data)):
        x = data[i]
        im = x["images"]
        kind = (im.n_dates, bool(im.has_optical.any()), bool(im.has_sar.any()), len(x["masks"]))
        if kind not in seen:
            seen.add(kind)
            picked.append(x)
    picked[0]["images"].nir = None  # NIR withheld, as training's nir_dropout does
    assert {k for k, *_ in seen} >= {1, 2, 3} and any(not o for _, o, _, _ in seen)
    assert any(not s for _, _, s, _ in seen) and any(n >= 2 for *_, n in seen)
    return picked[:11] + [sample(1, 2, 0)]


def test_a_batch_gives_each_sample_the_losses_it_gets_alone(tiny, mixed_samples):
    from engine.model.checkpoint import with_nir_mix

    model, tok = tiny
    model = with_nir_mix(model, 4)
    torch.manual_seed(5)
    torch.nn.init.normal_(model.nir_mix.outer.weight, std=0.3)  # a mix that changes the optical input
    model.eval()  # no dropout: the same sample must give the same numbers
    with torch.no_grad():
        batch = collate(mixed_samples, tok, model.config)
        together = model.forward_train(batch)
        unplanned = model.forward_train(dataclasses.replace(batch, plan=None))  # a batch made elsewhere
        assert float(unplanned["loss"]) == pytest.approx(float(together["loss"]), rel=1e-5)
        sums = {k: 0.0 for k in together}
        tokens = masks = 0
        for x in mixed_samples:
            batch = collate([x], tok, model.config)
            alone = model.forward_train(batch)
            labels = torch.cat(batch.labels, 1)[0][torch.cat(batch.attn, 1)[0]]
            n_tok, n_mask = int((labels[1:] != -100).sum()), int(batch.mask_valid.sum())
            sums["lm_loss"] += n_tok * float(alone["lm_loss"])
            for k in ("bce", "dice", "iou"):
                sums[k] += n_mask * float(alone[k])
            tokens, masks = tokens + n_tok, masks + n_mask
    assert masks >= len(mixed_samples)
    assert float(together["lm_loss"]) == pytest.approx(sums["lm_loss"] / tokens, rel=1e-4)
    for k in ("bce", "dice", "iou"):
        assert float(together[k]) == pytest.approx(sums[k] / masks, rel=1e-4, abs=1e-6), k


def _one_sample_losses_step_by_step(model, batch) -> dict:
    """The losses of a one-sample batch the way grounded decoding runs it: the inference encoder, one segment
    after another on one cache, each [SEG] state grounded on its date, the mask's tokens injected after it."""
    import torch.nn.functional as F
    from transformers import DynamicCache

    from engine.model.tokens import image_order

    im = batch.images[0]
    feats = model.encode_images(im)
    cache, hiddens, labels, grounded, prev, past = DynamicCache(), [], [], [], None, 0
    for j in range(len(batch.ids)):
        n = int(batch.attn[j][0].sum())
        kind, emb = batch.kind[j][0, :n], model.embed_ids(batch.ids[j][:, :n]).clone()
        if j == 0:
            order = image_order(im.has_optical.tolist(), im.has_sar.tolist())
            emb[0, kind == KIND_IMAGE] = torch.cat([feats.tokens[t, m] for t, m in order])
        elif prev is not None:
            date, relevance = prev
            pos = batch.inject_pos[j][0, :n][kind == KIND_INJECT]
            emb[0, kind == KIND_INJECT] = feats.tokens[date][relevance[pos].argmax(-1), pos]
        hidden = model.lm(emb, cache, attention_mask=torch.ones(1, past + n, dtype=torch.long),
                          position_ids=torch.arange(past, past + n)[None])
        past += n
        hiddens.append(hidden[0])
        labels.append(batch.labels[j][0, :n])
        prev = None
        if j < batch.mask_valid.shape[1] and bool(batch.mask_valid[0, j]):
            date = int(batch.mask_dates[0, j])
            out = model.ground(hidden[:, -1], feats.tokens[date][None], [level[date][None] for level in feats.sam],
                               feats.available[date][None])
            grounded.append((out, batch.masks[0, j][None]))
            prev = (date, out["relevance"][0])
    h, y = torch.cat(hiddens), torch.cat(labels)
    learned = y[1:] != -100
    result = {"lm_loss": F.cross_entropy(model.logits(h[:-1][learned]), y[1:][learned])}
    if grounded:
        logits, gt = torch.cat([o["mask_logits"] for o, _ in grounded]), torch.cat([g for _, g in grounded])
        result["bce"] = F.binary_cross_entropy_with_logits(logits, gt)
        result["dice"] = dice_loss(logits, gt)
    return result


def test_the_batched_losses_are_those_of_decoding_each_sample_step_by_step(tiny, mixed_samples):
    from engine.model.checkpoint import with_nir_mix

    model, tok = tiny
    model = with_nir_mix(model, 4)
    torch.manual_seed(6)
    torch.nn.init.normal_(model.nir_mix.outer.weight, std=0.3)
    model.eval()
    with torch.no_grad():
        for x in mixed_samples:
            batch = collate([x], tok, model.config)
            batched, expected = model.forward_train(batch), _one_sample_losses_step_by_step(model, batch)
            for k, v in expected.items():
                assert float(batched[k]) == pytest.approx(float(v), rel=1e-4, abs=1e-6), k
