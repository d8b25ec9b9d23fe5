"""Exposure from a file's location: cloud-sync folders and removable-media mounts."""
import pytest

from webconsole_agent.exposure import Classifier, Mount, linux_mounts, sync_destination


@pytest.mark.parametrize("path, service", [
    ("/home/una/Dropbox/finance/q3.xlsx", "Dropbox"),
    ("/home/una/dropbox/a.txt", "Dropbox"),
    ("/home/una/Dropbox (Acme)/a.txt", "Dropbox"),
    ("/home/una/OneDrive/a.txt", "OneDrive"),
    ("/home/una/OneDrive - Contoso/deep/a.txt", "OneDrive"),
    ("/home/una/Google Drive/a.txt", "GoogleDrive"),
    ("/Users/una/Library/CloudStorage/GoogleDrive-una@example.com/My Drive/a.txt", "GoogleDrive"),
    ("/home/una/iCloud Drive/a.txt", "ICloud"),
    ("/Users/una/Library/Mobile Documents/com~apple~CloudDocs/a.txt", "ICloud"),
    ("/home/una/Box/a.txt", "Box"),
    ("/home/una/Box Sync/a.txt", "Box"),
])
def test_cloud_sync_folders(path, service):
    assert sync_destination(path) == service
    assert Classifier(mounts=[]).fields(path) == {"exposure": ["CloudStorage"], "syncDestination": service}


@pytest.mark.parametrize("path", [
    "/home/una/Dropboxes/a.txt", "/home/una/OneDriveX/a.txt", "/home/una/boxes/a.txt",
    "/home/una/notes/Dropbox", "/home/una/My Drives/a.txt", "/home/una/Documents/a.txt",
])
def test_other_folders_are_not_cloud_storage(path):
    assert sync_destination(path) is None
    assert Classifier(mounts=[]).fields(path) == {}


def test_removable_media_from_injected_mounts():
    classifier = Classifier(mounts=[Mount("/media/una/STICK", "STICK", "Cruzer", "SanDisk", "USB"),
                                    Mount("/media/una/STICK/inner", "inner")])
    assert classifier.fields("/media/una/STICK/report.pdf") == {
        "exposure": ["RemovableMedia"], "removableMediaVolumeName": "STICK", "removableMediaName": "Cruzer",
        "removableMediaVendor": "SanDisk", "removableMediaBusType": "USB"}
    assert classifier.fields("/media/una/STICK/inner/a.txt")["removableMediaVolumeName"] == "inner"
    assert classifier.fields("/media/una/STICK2/a.txt") == {}


def test_configured_folders_count_as_removable_media(tmp_path):
    stick = tmp_path / "USB STICK"
    classifier = Classifier(mounts=[], folders=[str(stick)])
    assert classifier.fields(str(stick / "plans" / "a.pdf")) == {
        "exposure": ["RemovableMedia"], "removableMediaVolumeName": "USB STICK"}
    assert classifier.fields(str(tmp_path / "elsewhere.pdf")) == {}


def test_cloud_folder_on_removable_media_is_both():
    fields = Classifier(mounts=[Mount("/run/media/una/DISK", "DISK")]).fields("/run/media/una/DISK/Dropbox/a")
    assert fields["exposure"] == ["CloudStorage", "RemovableMedia"]
    assert fields["syncDestination"] == "Dropbox"


def test_linux_mounts_under_media_run_media_and_mnt(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/nvme0n1p2 / ext4 rw 0 0\n"
        "tmpfs /run tmpfs rw 0 0\n"
        "/dev/sdb1 /media/una/MY\\040STICK vfat rw 0 0\n"
        "/dev/sdc1 /run/media/una/DISK exfat rw 0 0\n"
        "/dev/sdd1 /mnt/backup ext4 rw 0 0\n"
        "/dev/sde1 /mnt ext4 rw 0 0\n"
        "/dev/sdf1 /mediator ext4 rw 0 0\n")
    found = {m.root: m.volume_name for m in linux_mounts(str(mounts))}
    assert found == {"/media/una/MY STICK": "MY STICK", "/run/media/una/DISK": "DISK", "/mnt/backup": "backup"}


def test_unreadable_mounts_file_means_no_mounts(tmp_path):
    assert linux_mounts(str(tmp_path / "missing")) == []
