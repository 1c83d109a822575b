"""Mask-token re-injection rules: coverage / cap, modality relevance, gathering."""
import torch

from engine.model.injection import gather_injected, mask_to_token_positions, select_modality


def test_coverage_threshold_on_hand_made_mask():
    m = torch.zeros(8, 8)  # 4 x 4 grid of 2 x 2 patches
    m[0:2, 0:2] = 1.0  # patch (0, 0) fully covered
    m[2, 2:4] = 1.0  # patch (1, 1) half covered -> kept at threshold 0.5
    m[4, 4] = 1.0  # patch (2, 2) a quarter covered -> dropped
    m[6:8, 6:8] = 0.4  # below the probability threshold -> not inside
    pos = mask_to_token_positions(m, (4, 4), threshold=0.5)
    assert pos.tolist() == [0, 5]
    assert mask_to_token_positions(m, (4, 4), threshold=0.75).tolist() == [0]
    assert mask_to_token_positions(m, (4, 4), threshold=0.25).tolist() == [0, 5, 10]


def test_cap_subsamples_evenly():
    m = torch.ones(32, 32)
    pos = mask_to_token_positions(m, (16, 16), max_tokens=128)
    assert pos.numel() == 128
    assert pos[0] == 0 and pos[-1] == 255
    gaps = pos[1:] - pos[:-1]
    assert gaps.min() >= 1 and gaps.max() <= 3  # spread over the whole grid, not the first 128
    assert mask_to_token_positions(m, (16, 16), max_tokens=300).numel() == 256
    assert mask_to_token_positions(torch.zeros(32, 32), (16, 16)).numel() == 0


def test_relevance_picks_the_modality_matching_the_query():
    torch.manual_seed(0)
    d, k = 16, 6
    query = torch.randn(d)
    opt = torch.randn(k, d) * 0.1
    sar = torch.randn(k, d) * 0.1
    opt[[0, 2]] += 2 * query  # optical tokens that match the query at positions 0, 2
    sar[[1, 3, 4, 5]] += 2 * query
    chosen, scores = select_modality(query, opt, sar)
    assert chosen.tolist() == [0, 1, 0, 1, 1, 1]
    assert torch.allclose(scores.sum(-1), torch.ones(k))
    # optical absent (e.g. no optical on that date): SAR everywhere, and the reverse
    assert select_modality(query, opt, sar, available=(False, True))[0].tolist() == [1] * k
    assert select_modality(query, opt, sar, available=(True, False))[0].tolist() == [0] * k
    assert select_modality(query, None, sar)[0].tolist() == [1] * k


def test_relevance_goes_through_the_head_projections():
    d = 8
    query = torch.ones(d)
    opt, sar = torch.zeros(3, d), torch.zeros(3, d)
    opt[:, 0], sar[:, 1] = 1.0, 1.0
    q = torch.nn.Linear(d, 2, bias=False)
    kp = torch.nn.Linear(d, 2, bias=False)
    with torch.no_grad():
        q.weight.zero_()
        q.weight[0, 0] = 5.0  # the query looks along key axis 0 ...
        kp.weight.zero_()
        kp.weight[0, 1] = 1.0  # ... which the key head fills from feature 1: the SAR tokens
    assert select_modality(query, opt, sar, query_proj=q, key_proj=kp)[0].tolist() == [1, 1, 1]


def test_gather_takes_each_position_from_its_modality():
    opt = torch.arange(10.0)[:, None].repeat(1, 3)
    sar = -opt
    out = gather_injected(opt, sar, torch.tensor([1, 4, 7]), torch.tensor([0, 1, 0]))
    assert out[:, 0].tolist() == [1.0, -4.0, 7.0]
