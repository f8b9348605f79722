# placeholder until the data config lands
train_dataloader = dict(batch_size=1, dataset=dict())
test_dataloader = dict(dataset=dict())
val_dataloader = test_dataloader
