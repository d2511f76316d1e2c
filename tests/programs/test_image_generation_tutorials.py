"""Image generation tutorials (style transfer, DCGAN, VAE) on torch and on microtensor as ``torch``.

Written once, as the tutorials write them (``%`` and ``.format`` logging included), on random
images; each returns what it prints, and microtensor's record must be torch's.
"""

# ruff: noqa: B007, UP031, UP032 - the tutorials' own idioms
import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record, one_torch_thread  # noqa: F401


def style(torch):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    torch.manual_seed(4)
    cnn = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
    ).eval()
    style_img = torch.rand(1, 3, 16, 16)
    content_img = torch.rand(1, 3, 16, 16)

    def gram_matrix(input):
        a, b, c, d = input.size()
        features = input.view(a * b, c * d)
        G = torch.mm(features, features.t())
        return G.div(a * b * c * d)

    class ContentLoss(nn.Module):
        def __init__(self, target):
            super().__init__()
            self.target = target.detach()

        def forward(self, input):
            self.loss = F.mse_loss(input, self.target)
            return input

    class StyleLoss(nn.Module):
        def __init__(self, target_feature):
            super().__init__()
            self.target = gram_matrix(target_feature).detach()

        def forward(self, input):
            G = gram_matrix(input)
            self.loss = F.mse_loss(G, self.target)
            return input

    class Normalization(nn.Module):
        def __init__(self, mean, std):
            super().__init__()
            self.mean = torch.tensor(mean).view(-1, 1, 1)
            self.std = torch.tensor(std).view(-1, 1, 1)

        def forward(self, img):
            return (img - self.mean) / self.std

    normalization = Normalization([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    content_losses, style_losses = [], []
    model = nn.Sequential(normalization)
    i = 0
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = "conv_{}".format(i)
        elif isinstance(layer, nn.ReLU):
            name = "relu_{}".format(i)
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.MaxPool2d):
            name = "pool_{}".format(i)
        else:
            raise RuntimeError("Unrecognized layer: {}".format(layer.__class__.__name__))
        model.add_module(name, layer)
        if name in ["conv_2"]:
            target = model(content_img).detach()
            cl = ContentLoss(target)
            model.add_module("content_loss_{}".format(i), cl)
            content_losses.append(cl)
        if name in ["conv_1", "conv_2", "conv_3"]:
            target_feature = model(style_img).detach()
            sl = StyleLoss(target_feature)
            model.add_module("style_loss_{}".format(i), sl)
            style_losses.append(sl)
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
            break
    model = model[: (i + 1)]
    input_img = content_img.clone()
    input_img.requires_grad_(True)
    model.eval()
    model.requires_grad_(False)
    optimizer = optim.LBFGS([input_img])
    out = [repr(model)]
    run = [0]
    while run[0] <= 20:

        def closure():
            with torch.no_grad():
                input_img.clamp_(0, 1)
            optimizer.zero_grad()
            model(input_img)
            style_score = 0
            content_score = 0
            for sl in style_losses:
                style_score += sl.loss
            for cl in content_losses:
                content_score += cl.loss
            style_score *= 1000000
            content_score *= 1
            loss = style_score + content_score
            loss.backward()
            run[0] += 1
            if run[0] % 5 == 0:
                out.append(
                    "Style Loss : {:4f} Content Loss: {:4f}".format(
                        style_score.item(), content_score.item()
                    )
                )
            return style_score + content_score

        optimizer.step(closure)
    with torch.no_grad():
        input_img.clamp_(0, 1)
    out.append(input_img.sum().item())
    return out


def dcgan(torch):
    nn = torch.nn
    optim = torch.optim
    torch.manual_seed(999)
    nz, ngf, ndf, nc = 8, 4, 4, 3

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
                nn.BatchNorm2d(ngf * 4),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ngf * 2),
                nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ndf * 2),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
                nn.Sigmoid(),
            )

        def forward(self, input):
            return self.main(input)

    netG = Generator()
    netG.apply(weights_init)
    netD = Discriminator()
    netD.apply(weights_init)
    out = [repr(netG), repr(netD)]
    criterion = nn.BCELoss()
    fixed_noise = torch.randn(4, nz, 1, 1)
    real_label = 1.0
    fake_label = 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    real = torch.rand(6, nc, 16, 16) * 2 - 1
    for it in range(3):
        netD.zero_grad()
        b_size = real.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float)
        output = netD(real).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.randn(b_size, nz, 1, 1)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        out.append(
            "Loss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f"
            % (errD.item(), errG.item(), D_x, D_G_z1, D_G_z2)
        )
    with torch.no_grad():
        fake = netG(fixed_noise).detach().cpu()
    out.append(fake.sum().item())
    return out


def vae(torch):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim
    torch.manual_seed(5)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 32)
            self.fc21 = nn.Linear(32, 4)
            self.fc22 = nn.Linear(32, 4)
            self.fc3 = nn.Linear(4, 32)
            self.fc4 = nn.Linear(32, 64)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, 64))
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def loss_function(recon_x, x, mu, logvar):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return BCE + KLD

    data = torch.rand(40, 1, 8, 8)
    loader = torch.utils.data.DataLoader(data, batch_size=10, shuffle=True)
    out = []
    for epoch in range(2):
        model.train()
        train_loss = 0
        for batch_idx, d in enumerate(loader):
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(d)
            loss = loss_function(recon_batch, d, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        out.append(
            "====> Epoch: {} Average loss: {:.4f}".format(epoch, train_loss / len(loader.dataset))
        )
    with torch.no_grad():
        sample = torch.randn(8, 4)
        sample = model.decode(sample).cpu()
        out.append(sample.view(8, 1, 8, 8).mean().item())
    return out


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("program", [dcgan, vae])
def test_tutorial_prints_torchs_record(program):
    theirs = program(torch)
    assert_same_record(program(mt), theirs)


@pytest.mark.usefixtures("one_torch_thread")
def test_style_transfer_with_lbfgs_prints_torchs_record():
    # float64: LBFGS's 20 inner evaluations amplify float32 rounding (2e-6 in the first
    # loss) to 1e-3 by the 20th; in float64 the two runs agree to 1e-8
    torch.set_default_dtype(torch.float64)
    mt.set_default_dtype(mt.float64)
    try:
        theirs = style(torch)
        ours = style(mt)
    finally:
        torch.set_default_dtype(torch.float32)
        mt.set_default_dtype(mt.float32)
    assert_same_record(ours, theirs, rtol=1e-7)
