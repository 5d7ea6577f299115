"""Training helpers: accuracy, progress bars only for a person, and fastai training with a stable table."""

from __future__ import annotations

import pytest
import torch

from utils.training import accuracy, evaluate, fit_table, is_correct, progress, train_epoch


def test_accuracy_from_class_scores():
    scores = torch.tensor([[2.0, 1.0], [0.1, 0.9], [0.3, 0.2], [0.0, 5.0]])
    assert accuracy(scores, torch.tensor([0, 1, 1, 1])) == pytest.approx(0.75)


def test_accuracy_from_one_score_needs_the_threshold():
    probs = torch.tensor([[0.9], [0.2], [0.6], [0.4]])
    assert accuracy(probs, torch.tensor([1, 0, 0, 0]), threshold=0.5) == pytest.approx(0.75)
    logits = torch.tensor([2.0, -1.0, 0.3, -0.2])  # the same predictions, as logits
    assert accuracy(logits, torch.tensor([1, 0, 0, 0]), threshold=0.0) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="threshold=0.5 for probabilities or threshold=0.0 for logits"):
        accuracy(logits, torch.tensor([1, 0, 0, 0]))
    with pytest.raises(ValueError, match="argmax"):
        accuracy(torch.zeros(4, 2), torch.zeros(4), threshold=0.5)


def test_accuracy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="3 outputs but 2 targets"):
        accuracy(torch.zeros(3, 2), torch.zeros(2))


def test_progress_shows_no_bar_in_a_compared_run(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_REPRODUCIBLE", "1")
    assert list(progress(range(3), desc="epochs")) == [0, 1, 2]
    assert capsys.readouterr() == ("", "")


def test_progress_shows_a_bar_to_a_person(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_REPRODUCIBLE", raising=False)
    assert list(progress(range(3), desc="epochs")) == [0, 1, 2]
    assert "epochs" in capsys.readouterr().err  # tqdm draws on stderr outside a notebook


def _tiny_learner():
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from fastai.metrics import accuracy as fastai_accuracy
    from torch.utils.data import DataLoader, TensorDataset

    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] > 0).long()
    train = DataLoader(TensorDataset(x[:192], y[:192]), batch_size=32)
    valid = DataLoader(TensorDataset(x[192:], y[192:]), batch_size=64)
    model = torch.nn.Linear(4, 2)
    return Learner(DataLoaders(train, valid), model, loss_func=torch.nn.functional.cross_entropy,
                   metrics=fastai_accuracy)


def test_fit_table_trains_quietly_in_a_compared_run_and_returns_rounded_rows(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_REPRODUCIBLE", "1")
    torch.manual_seed(0)
    learn = _tiny_learner()
    table = fit_table(learn, epochs=3, lr=0.5)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert list(table.columns) == ["train_loss", "valid_loss", "accuracy"]
    assert len(table) == 3 and "time" not in table.columns
    assert (table.round(4) == table).all().all()
    assert table["accuracy"].iloc[-1] > 0.8  # a separable problem is learned
    assert table["valid_loss"].iloc[-1] < table["valid_loss"].iloc[0]


def test_fit_table_shows_fastais_bars_to_a_person_but_not_its_table(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_REPRODUCIBLE", raising=False)
    torch.manual_seed(0)
    table = fit_table(_tiny_learner(), epochs=2, lr=0.5)
    assert capsys.readouterr().out  # outside a notebook, fastai draws its bar as text
    assert len(table) == 2


def test_fit_table_rejects_zero_epochs():
    with pytest.raises(ValueError, match="epochs"):
        fit_table(object(), epochs=0, lr=0.1)


class _CountingSGD:
    """A plain SGD step that counts its calls (anything with step and zero_grad is an optimizer here)."""

    def __init__(self, params, lr):
        self.params, self.lr, self.steps = list(params), lr, 0

    def step(self):
        with torch.no_grad():
            for p in self.params:
                p -= self.lr * p.grad
        self.steps += 1

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def test_train_epoch_steps_once_per_batch_clears_gradients_and_returns_the_mean_loss():
    torch.manual_seed(0)
    x, y = torch.randn(10, 3), torch.randn(10, 1)
    model = torch.nn.Linear(3, 1)
    batches = [(x[:4], y[:4]), (x[4:], y[4:])]
    copy = torch.nn.Linear(3, 1)
    copy.load_state_dict(model.state_dict())
    expected = []
    for xb, yb in batches:  # the same epoch by hand: each batch's loss is taken before its own step
        loss = torch.nn.functional.mse_loss(copy(xb), yb)
        expected.append(loss.item() * len(xb))
        loss.backward()
        with torch.no_grad():
            for p in copy.parameters():
                p -= 0.1 * p.grad
                p.grad = None
    opt = _CountingSGD(model.parameters(), lr=0.1)
    mean_loss = train_epoch(model, batches, torch.nn.functional.mse_loss, opt)
    assert opt.steps == 2 and all(p.grad is None for p in model.parameters())
    assert isinstance(mean_loss, float) and mean_loss == pytest.approx(sum(expected) / 10, rel=1e-6)
    assert torch.allclose(model.weight, copy.weight)


def test_is_correct_and_evaluate_for_class_scores_and_for_one_logit():
    two_classes = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        two_classes.weight.copy_(torch.eye(2))
    x, y = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 1.0]]), torch.tensor([0, 1, 1])
    assert is_correct(two_classes, x, y).tolist() == [True, True, False]
    assert evaluate(two_classes, x, y) == pytest.approx(2 / 3)
    one_logit = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        one_logit.weight.copy_(torch.tensor([[1.0, -1.0]]))
    assert is_correct(one_logit, x, torch.tensor([1, 0, 0]), threshold=0.0).tolist() == [True, True, False]
    with pytest.raises(ValueError, match="threshold=0.0 for logits"):
        evaluate(one_logit, x, y)
