"""PyTorch's vision tutorials, written once and run on torch and on microtensor as ``torch``.

Each program is the shape of a tutorial script (the 60-minute blitz CNN, the quickstart loop,
transfer learning, a spatial transformer) with random tensors in place of the datasets. It seeds the library, builds its own weights, data, dropout
masks and shuffling, and returns what the script prints; microtensor's record must be torch's.
"""

# ruff: noqa: B007 - the tutorials name loop variables they do not use
from collections import OrderedDict

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def blitz_cnn(torch):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

    net = Net()
    out = [repr(net), str(net.conv1.weight.size()), len(list(net.parameters()))]
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    images = torch.randn(16, 3, 32, 32)
    labels = torch.randint(0, 10, (16,))
    ds = torch.utils.data.TensorDataset(images, labels)
    loader = torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True, num_workers=0)
    for epoch in range(2):
        running_loss = 0.0
        for i, data in enumerate(loader, 0):
            inputs, labels_b = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels_b)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        out.append(f"[{epoch + 1}] loss: {running_loss / 4:.3f}")
        out.append(running_loss)
    correct = 0
    total = 0
    with torch.no_grad():
        for data in loader:
            images_b, labels_b = data
            outputs = net(images_b)
            _, predicted = torch.max(outputs.data, 1)
            total += labels_b.size(0)
            correct += (predicted == labels_b).sum().item()
    out.append(f"Accuracy: {100 * correct // total} %")
    return out


def quickstart(torch):
    nn = torch.nn
    data_utils = torch.utils.data
    torch.manual_seed(1)
    X = torch.rand(128, 1, 28, 28)
    y = torch.randint(0, 10, (128,))
    Xt = torch.rand(64, 1, 28, 28)
    yt = torch.randint(0, 10, (64,))
    train_dataloader = data_utils.DataLoader(
        data_utils.TensorDataset(X, y), batch_size=32, shuffle=True
    )
    test_dataloader = data_utils.DataLoader(data_utils.TensorDataset(Xt, yt), batch_size=32)
    out = []
    for Xb, yb in test_dataloader:
        out.append(f"Shape of X [N, C, H, W]: {Xb.shape}")
        out.append(f"Shape of y: {yb.shape} {yb.dtype}")
        break
    device = (
        torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    )
    out.append(f"Using {device} device")

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)
            )

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    model = NeuralNetwork().to(device)
    out.append(str(model))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 2 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                out.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        out.append(
            f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n"
        )

    for t in range(3):
        train(train_dataloader, model, loss_fn, optimizer)
        test(test_dataloader, model, loss_fn)
    import io

    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    model2 = NeuralNetwork()
    res = model2.load_state_dict(torch.load(buf, weights_only=True))
    out.append(str(res))
    model2.eval()
    with torch.no_grad():
        pred = model2(Xt[0:1])
        out.append(int(pred[0].argmax(0)))
    return out


def transfer(torch):
    nn = torch.nn
    lr_scheduler = torch.optim.lr_scheduler
    torch.manual_seed(2)
    backbone = nn.Sequential(
        OrderedDict(
            [
                ("conv1", nn.Conv2d(3, 8, 3, padding=1, bias=False)),
                ("bn1", nn.BatchNorm2d(8)),
                ("relu", nn.ReLU(inplace=True)),
                ("pool", nn.AdaptiveAvgPool2d((1, 1))),
                ("flatten", nn.Flatten()),
                ("fc", nn.Linear(8, 5)),
            ]
        )
    )
    for name, param in backbone.named_parameters():
        if not name.startswith("fc"):
            param.requires_grad_(False)
    num_ftrs = backbone.fc.in_features
    backbone.fc = nn.Linear(num_ftrs, 2)
    out = [[n for n, p in backbone.named_parameters() if p.requires_grad], repr(backbone)]
    params_to_update = [p for p in backbone.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params_to_update, lr=0.1, momentum=0.9)
    exp_lr_scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    criterion = nn.CrossEntropyLoss()
    x = torch.randn(8, 3, 8, 8)
    y = torch.randint(0, 2, (8,))
    for epoch in range(5):
        backbone.train()
        optimizer.zero_grad()
        with torch.set_grad_enabled(True):
            outputs = backbone(x)
            _, preds = torch.max(outputs, 1)
            loss = criterion(outputs, y)
            loss.backward()
            optimizer.step()
        exp_lr_scheduler.step()
        out += [
            loss.item() * x.size(0),
            torch.sum(preds == y.data).double().item() / 8,
            exp_lr_scheduler.get_last_lr()[0],
            optimizer.param_groups[0]["lr"],
        ]
    out.append(backbone.bn1.running_mean.tolist())
    out.append(backbone.bn1.num_batches_tracked.item())
    backbone.eval()
    with torch.no_grad():
        out.append(backbone(x).tolist())
    return out


def stn(torch):
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(3)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 4, kernel_size=5)
            self.conv2 = nn.Conv2d(4, 8, kernel_size=5)
            self.conv2_drop = nn.Dropout2d()
            self.fc1 = nn.Linear(128, 20)
            self.fc2 = nn.Linear(20, 10)
            self.localization = nn.Sequential(
                nn.Conv2d(1, 4, kernel_size=7),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
                nn.Conv2d(4, 5, kernel_size=5),
                nn.MaxPool2d(2, stride=2),
                nn.ReLU(True),
            )
            self.fc_loc = nn.Sequential(
                nn.Linear(5 * 3 * 3, 32), nn.ReLU(True), nn.Linear(32, 3 * 2)
            )
            self.fc_loc[2].weight.data.zero_()
            self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

        def stn(self, x):
            xs = self.localization(x)
            xs = xs.view(-1, 5 * 3 * 3)
            theta = self.fc_loc(xs)
            theta = theta.view(-1, 2, 3)
            grid = F.affine_grid(theta, x.size(), align_corners=False)
            return F.grid_sample(x, grid, align_corners=False)

        def forward(self, x):
            x = self.stn(x)
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 128)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    data = torch.randn(8, 1, 28, 28)
    target = torch.randint(0, 10, (8,))
    out = []
    for _ in range(4):
        model.train()
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        out.append(loss.item())
    model.eval()
    with torch.no_grad():
        test_loss = F.nll_loss(model(data), target, size_average=False).item()
        pred = model(data).max(1, keepdim=True)[1]
        correct = pred.eq(target.view_as(pred)).sum().item()
    out += [test_loss, correct]
    return out


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("program", [blitz_cnn, quickstart, transfer])
def test_tutorial_prints_torchs_record(program):
    theirs = program(torch)
    assert_same_record(program(mt), theirs)


@pytest.mark.usefixtures("one_torch_thread")
def test_the_blitz_cnn_learns_so_the_record_covers_training():
    record = blitz_cnn(torch)
    assert record[-2] < record[4]  # the second epoch's running loss is below the first's


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated")
def test_spatial_transformer_prints_torchs_record():
    theirs = stn(torch)
    assert_same_record(stn(mt), theirs)
