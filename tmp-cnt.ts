import mongoose from 'mongoose';
const c = await mongoose.createConnection('mongodb://127.0.0.1:41981').asPromise();
const dbs = await c.db!.admin().listDatabases();
console.log(dbs.databases.map((d) => d.name));
for (const d of dbs.databases) {
  const db = c.getClient().db(d.name);
  for (const coll of ['segment_member_chunks', 'segment_member_heads', 'customer_profiles', 'order_books']) {
    try { console.log(d.name, coll, await db.collection(coll).estimatedDocumentCount()); } catch (e) { console.log(coll, String(e)); }
  }
}
await c.close();
